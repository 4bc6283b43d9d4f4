/// <reference lib="dom" />
/**
 * The customer's side of the conversation: typing and sending (optimistic, retried on network
 * errors with the same id so a retry is never a second message), files, quick replies and
 * closing the conversation.
 */
import { clientId, type WidgetApi, WidgetError } from "./api.ts";
import type { WidgetMessageInput } from "../lib/shared/wire/webchat.ts";
import type { Lang } from "./i18n.ts";
import { FILE_TYPES, type Translate, type WidgetDom } from "./layout.ts";
import type { MessageList } from "./message_list.ts";

const MAX_FILE = 5 * 1024 * 1024;
const SEND_ATTEMPTS = 4;

/** What the composer sends: part of the message body the API takes (`POST /webchat/messages`). */
export type SendBody = Pick<WidgetMessageInput, "body" | "uploads" | "quickReply">;

export function createComposer(
  dom: WidgetDom,
  list: MessageList,
  t: Translate,
  o: { api: () => WidgetApi | null; lang: Lang; customerName: string | undefined },
) {
  const { error, form, input, attach, file, endButton } = dom;

  /** Sends one customer message, shown as `shown` at once. */
  async function send(body: SendBody, shown: string): Promise<void> {
    const api = o.api();
    if (!api) return;
    error.textContent = "";
    const id = clientId();
    const el = list.showPending(shown);
    for (let attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
      try {
        const r = await api.call<{ messageId: string }>("POST", "/messages", {
          id,
          ...body,
          language: o.lang,
          ...(o.customerName ? { name: o.customerName } : {}),
        });
        return list.adopt(el, r.messageId);
      } catch (e) {
        // A retry that the server already has: it was delivered.
        if (e instanceof WidgetError && e.code === "replayed_request") {
          return list.adopt(el, (e.details as { messageId: string }).messageId);
        }
        if (e instanceof WidgetError && e.status < 500) {
          error.textContent = e.message;
          break;
        }
        await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
      }
    }
    list.markFailed(el);
    error.textContent ||= t("sendFailed");
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    input.value = "";
    void send({ body }, body);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  attach.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    file.value = "";
    const api = o.api();
    if (!f || !api) return;
    if (f.size > MAX_FILE) return void (error.textContent = t("fileTooLarge"));
    if (!FILE_TYPES.includes(f.type)) return void (error.textContent = t("fileType"));
    try {
      const { upload } = await api.call<{ upload: { id: string; name: string } }>("POST", "/uploads", f, {
        "content-type": f.type,
        "x-file-name": encodeURIComponent(f.name),
      });
      await send({ uploads: [upload.id] }, upload.name);
    } catch (e) {
      error.textContent = e instanceof WidgetError ? e.message : t("sendFailed");
    }
  });
  endButton.addEventListener("click", async () => {
    const api = o.api();
    if (!api) return;
    try {
      await api.call("POST", "/close");
    } catch (e) {
      error.textContent = e instanceof WidgetError ? e.message : t("sendFailed");
    }
  });

  return { send };
}
