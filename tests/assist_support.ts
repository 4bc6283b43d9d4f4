/**
 * Shared set-up of the reply-assistant, expert, print and anonymisation suites: a configuration
 * with knowledge-base entries, experts and roles holding print/ask_expert/anonymize.
 */
import { type Config } from "../lib/shared/config.ts";
import { testConfig, testRoles } from "./harness.ts";

export const EXPERT_SECRET = "expert-secret-0123456789";

export const KNOWLEDGE = {
  groups: [
    {
      id: "general",
      name: "General",
      entries: [
        {
          id: "hello",
          title: "Greeting",
          body: "Hello! How can I help you today?",
          shortcut: "hello",
          language: "en",
        },
        {
          id: "bonjour",
          title: "Salutation",
          body: "Bonjour ! Comment puis-je vous aider ?",
          shortcut: "hello",
          language: "fr",
        },
        {
          id: "bye",
          title: "Closing",
          body: "Thank you for contacting us. Have a nice day!",
          shortcut: "bye",
        },
      ],
    },
    {
      id: "billing",
      name: "Billing",
      entries: [
        {
          id: "refund",
          title: "Refund delay",
          body: "Refunds reach your account within 5 business days.",
          shortcut: "refund",
          language: "en",
          categories: ["billing"],
        },
        {
          id: "facture",
          title: "Facture en double",
          body: "Nous avons annulé la facture en double ; vous ne serez débité qu'une fois.",
          shortcut: "double",
          language: "fr",
          categories: ["billing"],
        },
      ],
    },
  ],
};

/** The test configuration plus knowledge base, experts and the extra permissions. */
export async function assistConfig(
  experts: { id: string; name: string; webhookUrl: string; secret?: string }[] = [],
): Promise<Config> {
  return await testConfig({
    roles: testRoles(["ask_expert"], ["anonymize"]),
    replyAssistant: KNOWLEDGE,
    experts,
  });
}
