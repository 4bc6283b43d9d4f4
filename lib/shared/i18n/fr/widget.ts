import type { enWidget } from "../en/widget.ts";

/** The customer web chat widget (shipped in widget/catalogue.ts by `deno task i18n`): the French texts. */
export const frWidget: Record<keyof typeof enWidget, string> = {
  // The web chat widget's texts. widget/catalogue.ts is generated from these keys
  // (`deno task i18n`), so the widget ships only its own small catalogue.
  "widget.open": "Discuter avec nous",
  "widget.title": "Discussion",
  "widget.minimize": "Réduire la discussion",
  "widget.chattingWith": "Vous discutez avec {name}",
  "widget.welcome": "Bonjour ! Posez votre question, un conseiller vous répondra ici.",
  "widget.message": "Message",
  "widget.send": "Envoyer",
  "widget.attach": "Joindre un fichier",
  "widget.you": "Vous",
  "widget.typing": "{name} écrit…",
  "widget.endChat": "Fermer la conversation",
  "widget.closed": "Vous avez fermé la conversation.",
  "widget.fileTooLarge": "Ce fichier est trop volumineux (5 Mo au maximum).",
  "widget.fileType": "Seuls les images, les PDF et les fichiers texte peuvent être envoyés.",
  "widget.sendFailed": "Non envoyé. Vérifiez votre connexion et réessayez.",
  "widget.cobrowseAsk":
    "{name} demande à voir cette page pour vous aider. Les mots de passe et les zones privées restent masqués.",
  "widget.accept": "Accepter",
  "widget.decline": "Refuser",
  "widget.cobrowseOn": "{name} voit cette page.",
  "widget.controlOn": "{name} contrôle cette page.",
  "widget.stopSharing": "Arrêter le partage",
  "widget.revokeControl": "Reprendre le contrôle",
  "widget.highlight": "Mis en évidence par {name}",
  "widget.linkExpired": "Ce lien de co-navigation a expiré. Demandez-en un nouveau au conseiller.",
  "widget.linkUsed": "Ce lien de co-navigation a déjà été utilisé.",
  "widget.linkInvalid": "Ce lien de co-navigation n'est pas valide.",
  "widget.dismiss": "Fermer",
};
