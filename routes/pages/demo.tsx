/**
 * The demo customer page (`/demo`, `/demo?lang=fr`): a small shop that embeds the web chat
 * widget like any site would, so one tab can play the customer and another the agent. It also
 * carries what co-browsing must never share: a password field, a card number (excluded by the
 * demo configuration's selectors), a `data-cobrowse-exclude` area, shadow DOM and an iframe.
 */
import type { App } from "../auth.ts";
import { renderToString } from "preact-render-to-string";
import type { Desk } from "../../desk/desk.ts";
import { securityHeaders } from "./_app.tsx";

const T = {
  en: {
    title: "Demo Shop",
    tagline:
      "A pretend shop with the web chat widget. Open the desk in another tab (sign in as alice / demo-password) and chat with yourself.",
    add: "Add to cart",
    cart: "Cart",
    items: "items",
    empty: "Your cart is empty.",
    checkout: "Checkout",
    name: "Full name",
    email: "E-mail",
    password: "Account password",
    card: "Card number",
    note: "Private note (never shared)",
    pay: "Place order",
    placed: "Order placed, thank you!",
    partner: "Partner offers",
    products: [["Blue mug", "12.00"], ["Wool scarf", "29.00"], ["Notebook", "6.50"]],
  },
  fr: {
    title: "Boutique démo",
    tagline:
      "Une fausse boutique avec le widget de discussion. Ouvrez le poste agent dans un autre onglet (alice / demo-password) et discutez avec vous-même.",
    add: "Ajouter au panier",
    cart: "Panier",
    items: "articles",
    empty: "Votre panier est vide.",
    checkout: "Commande",
    name: "Nom complet",
    email: "E-mail",
    password: "Mot de passe du compte",
    card: "Numéro de carte",
    note: "Note privée (jamais partagée)",
    pay: "Valider la commande",
    placed: "Commande validée, merci !",
    partner: "Offres partenaires",
    products: [["Mug bleu", "12,00"], ["Écharpe en laine", "29,00"], ["Carnet", "6,50"]],
  },
};

function DemoPage({ lang, sourceId }: { lang: "en" | "fr"; sourceId: string }) {
  const t = T[lang];
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t.title}</title>
        <link rel="stylesheet" href="/static/demo.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header>
          <h1>{t.title}</h1>
          <p>
            {t.tagline}{" "}
            <a href={lang === "fr" ? "/demo" : "/demo?lang=fr"}>
              {lang === "fr" ? "English" : "Français"}
            </a>
          </p>
          <span dangerouslySetInnerHTML={{ __html: "<shop-badge></shop-badge>" }} />
        </header>
        <main>
          <section class="products" aria-label={t.title}>
            {t.products.map(([name, price]) => (
              <div class="product">
                <div class="art" />
                <h2>{name}</h2>
                <p>€ {price}</p>
                <button type="button" data-add={name}>{t.add}</button>
              </div>
            ))}
          </section>
          <aside aria-label={t.cart}>
            <h2>
              {t.cart}: <span id="cart-count">0</span> {t.items}
            </h2>
            <p id="cart-empty">{t.empty}</p>
            <ul id="cart-items" />
          </aside>
          <form class="checkout" id="checkout" data-placed={t.placed}>
            <h2>{t.checkout}</h2>
            <label>
              {t.name}
              <input name="name" id="name" autocomplete="name" />
            </label>
            <label>
              {t.email}
              <input name="email" id="email" type="email" autocomplete="email" />
            </label>
            <label>
              {t.password}
              <input name="password" id="password" type="password" autocomplete="current-password" />
            </label>
            <label>
              {t.card}
              <input name="card" id="card" class="card-number" inputMode="numeric" autocomplete="cc-number" />
            </label>
            <label class="private" data-cobrowse-exclude>
              {t.note}
              <textarea name="note" id="note" rows={2} />
            </label>
            <div>
              <button type="submit">{t.pay}</button>
            </div>
            <p id="status" role="status" />
          </form>
          <section class="partner">
            <h2>{t.partner}</h2>
            <iframe
              title={t.partner}
              srcdoc="<p>Partner widget: 20% off today</p>"
            />
          </section>
        </main>
        <script src="/static/demo.js" />
        <script src="/widget.js" data-source={sourceId} data-lang={lang} async />
      </body>
    </html>
  );
}

export function demoRoutes(app: App, desk: Desk): void {
  app.get("/demo", (c) => {
    const lang = c.req.query("lang") === "fr" ? "fr" : "en";
    const wanted = c.req.query("source");
    const chat = desk.config.sources.filter((s) => s.kind === "chat");
    const source = chat.find((s) => s.id === wanted) ?? chat[0];
    if (!source) return c.text('No web chat source (kind "chat") is configured.', 404);
    securityHeaders(c);
    return c.html("<!doctype html>" + renderToString(<DemoPage lang={lang} sourceId={source.id} />));
  });
}
