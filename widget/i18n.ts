/** The widget's texts, English and French. */

const en = {
  open: "Chat with us",
  title: "Chat",
  minimize: "Minimize chat",
  chattingWith: "You are chatting with {name}",
  welcome: "Hello! Ask us anything, an agent will answer here.",
  message: "Message",
  send: "Send",
  attach: "Attach a file",
  you: "You",
  typing: "{name} is typing…",
  endChat: "Close conversation",
  closed: "You closed the conversation.",
  fileTooLarge: "This file is too large (5 MB at most).",
  fileType: "Only images, PDF and text files can be sent.",
  sendFailed: "Not sent. Check your connection and try again.",
  cobrowseAsk: "{name} asks to see this page to help you. Password fields and private areas stay hidden.",
  accept: "Accept",
  decline: "Decline",
  cobrowseOn: "{name} can see this page.",
  controlOn: "{name} is controlling this page.",
  stopSharing: "Stop sharing",
  revokeControl: "Revoke control",
  highlight: "Highlighted by {name}",
  linkExpired: "This co-browsing link has expired. Ask the agent for a new one.",
  linkUsed: "This co-browsing link was already used.",
  linkInvalid: "This co-browsing link is not valid.",
  dismiss: "Dismiss",
};

export type Texts = typeof en;
export type TextKey = keyof Texts;

const fr: Texts = {
  open: "Discuter avec nous",
  title: "Discussion",
  minimize: "Réduire la discussion",
  chattingWith: "Vous discutez avec {name}",
  welcome: "Bonjour ! Posez votre question, un conseiller vous répondra ici.",
  message: "Message",
  send: "Envoyer",
  attach: "Joindre un fichier",
  you: "Vous",
  typing: "{name} écrit…",
  endChat: "Fermer la conversation",
  closed: "Vous avez fermé la conversation.",
  fileTooLarge: "Ce fichier est trop volumineux (5 Mo au maximum).",
  fileType: "Seuls les images, les PDF et les fichiers texte peuvent être envoyés.",
  sendFailed: "Non envoyé. Vérifiez votre connexion et réessayez.",
  cobrowseAsk:
    "{name} demande à voir cette page pour vous aider. Les mots de passe et les zones privées restent masqués.",
  accept: "Accepter",
  decline: "Refuser",
  cobrowseOn: "{name} voit cette page.",
  controlOn: "{name} contrôle cette page.",
  stopSharing: "Arrêter le partage",
  revokeControl: "Reprendre le contrôle",
  highlight: "Mis en évidence par {name}",
  linkExpired: "Ce lien de co-navigation a expiré. Demandez-en un nouveau au conseiller.",
  linkUsed: "Ce lien de co-navigation a déjà été utilisé.",
  linkInvalid: "Ce lien de co-navigation n'est pas valide.",
  dismiss: "Fermer",
};

export type Lang = "en" | "fr";

export function pickLang(wanted: string | null | undefined): Lang {
  const l = (wanted || navigator.language || "en").toLowerCase();
  return l.startsWith("fr") ? "fr" : "en";
}

export function texts(lang: Lang): (key: TextKey, vars?: Record<string, string>) => string {
  const t = lang === "fr" ? fr : en;
  return (key, vars) => t[key].replace(/\{(\w+)\}/g, (m, k: string) => vars?.[k] ?? m);
}
