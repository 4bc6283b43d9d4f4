/** The customer web chat widget (shipped in widget/catalogue.ts by `deno task i18n`): the English texts. */
export const enWidget = {
  // The web chat widget's texts. widget/catalogue.ts is generated from these keys
  // (`deno task i18n`), so the widget ships only its own small catalogue.
  "widget.open": "Chat with us",
  "widget.title": "Chat",
  "widget.minimize": "Minimize chat",
  "widget.chattingWith": "You are chatting with {name}",
  "widget.welcome": "Hello! Ask us anything, an agent will answer here.",
  "widget.message": "Message",
  "widget.send": "Send",
  "widget.attach": "Attach a file",
  "widget.you": "You",
  "widget.typing": "{name} is typing…",
  "widget.endChat": "Close conversation",
  "widget.closed": "You closed the conversation.",
  "widget.fileTooLarge": "This file is too large (5 MB at most).",
  "widget.fileType": "Only images, PDF and text files can be sent.",
  "widget.sendFailed": "Not sent. Check your connection and try again.",
  "widget.cobrowseAsk":
    "{name} asks to see this page to help you. Password fields and private areas stay hidden.",
  "widget.accept": "Accept",
  "widget.decline": "Decline",
  "widget.cobrowseOn": "{name} can see this page.",
  "widget.controlOn": "{name} is controlling this page.",
  "widget.stopSharing": "Stop sharing",
  "widget.revokeControl": "Revoke control",
  "widget.highlight": "Highlighted by {name}",
  "widget.linkExpired": "This co-browsing link has expired. Ask the agent for a new one.",
  "widget.linkUsed": "This co-browsing link was already used.",
  "widget.linkInvalid": "This co-browsing link is not valid.",
  "widget.dismiss": "Dismiss",
} as const;
