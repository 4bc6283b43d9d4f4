// The demo shop page (/demo): served as a file, the page allows no inline script.
(() => {
  const count = document.getElementById("cart-count");
  const list = document.getElementById("cart-items");
  const empty = document.getElementById("cart-empty");
  document.querySelectorAll("[data-add]").forEach((b) =>
    b.addEventListener("click", () => {
      const li = document.createElement("li");
      li.textContent = b.getAttribute("data-add");
      list.append(li);
      count.textContent = String(list.children.length);
      empty.hidden = true;
    })
  );
  document.getElementById("checkout").addEventListener("submit", (e) => {
    e.preventDefault();
    document.getElementById("status").textContent = document.getElementById("checkout").dataset.placed;
  });
  class ShopBadge extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: "open" });
      // Styled through the CSSOM: the page's CSP forbids inline style attributes.
      const span = document.createElement("span");
      span.textContent = "Shadow secret 7731";
      Object.assign(span.style, {
        background: "#4b1248",
        color: "#fff",
        padding: "2px 8px",
        borderRadius: "8px",
      });
      root.append(span);
    }
  }
  customElements.define("shop-badge", ShopBadge);
})();
