/**
 * The signed-out state (SPEC M1b): shown over the routing view when the agent's session ends
 * (disabled, removed, a new password or role, or simply expired), with why and a way back in.
 * Nothing behind it is usable any more, so it takes the focus and the page goes inert.
 */
import { useEffect, useRef } from "preact/hooks";
import { useStore } from "../lib/browser/store.ts";
import type { MessageKey } from "../lib/shared/i18n/en.ts";

const REASONS = new Set(["disabled", "removed", "password_changed", "role_changed", "signed_out_everywhere"]);

export function SignedOut() {
  const store = useStore();
  const reason = store.signedOut.value;
  const link = useRef<HTMLAnchorElement>(null);
  useEffect(() => link.current?.focus(), [reason]);
  if (reason === null) return null;
  const why = `signedOut.${REASONS.has(reason) ? reason : "expired"}` as MessageKey;
  return (
    <div class="signed-out" role="alertdialog" aria-modal="true" aria-labelledby="signed-out-title">
      <div class="signed-out-box">
        <h2 id="signed-out-title">{store.t("signedOut.title")}</h2>
        <p>{store.t(why)}</p>
        <a ref={link} class="btn btn-primary" href="/login">{store.t("signedOut.signIn")}</a>
      </div>
    </div>
  );
}
