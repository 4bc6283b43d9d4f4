/**
 * Crash recovery: the real server runs as a subprocess (`deno run -A main.ts`) on a KV file, is
 * killed with SIGKILL while timers are pending, and started again on the same file. The timers
 * must still fire (an overdue accept limit withdraws the offer, sets the agent away and offers
 * it to someone else; a deferral returns to its agent) and nothing stored may be lost.
 */
import assert from "node:assert/strict";
import { checkInvariants } from "./desk_invariants.ts";
import { deskFiles, ServerProcess } from "./server_process.ts";
import { eventually, PASSWORD, testConfig, testRouting, testSource } from "./harness.ts";
import { withKv } from "../lib/testing/kv.ts";
import { keys } from "../lib/server/keys.ts";
import type { InteractionState } from "../actors/interaction.ts";
import type { Message } from "../actors/thread.ts";
import type { AuditEntry } from "../desk/persist.ts";

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

Deno.test({
  name:
    "restart - timers pending when the server is killed still fire after a restart, and nothing stored is lost",
  async fn() {
    const config = await testConfig({
      routing: testRouting({ acceptTimeout: 1.5 }),
      sources: [testSource("webchat"), testSource("mail", { teams: ["sales"] })],
    }, [
      { id: "alice", teams: ["support"], languages: ["en"] },
      { id: "carol", teams: ["support"], languages: ["en"] },
      { id: "bob", teams: ["sales"], languages: ["en"] },
      { id: "sup", role: "supervisor", teams: [], languages: ["en"] },
    ]);
    const { dir, env } = await deskFiles("restart_test_", config);
    const servers: ServerProcess[] = [];
    const start = async () => {
      const s = await ServerProcess.start(env);
      servers.push(s);
      return s;
    };
    try {
      // --- first life: an offer with a running accept timer, and a deferral due soon ---------
      let s = await start();
      const signIn = async (login: string) => {
        const r = await s.request("POST", "/api/v1/session", { body: { login, password: PASSWORD } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.token as string;
      };
      const [alice, bob, carol, sup] = [
        await signIn("alice"),
        await signIn("bob"),
        await signIn("carol"),
        await signIn("sup"),
      ];
      const presence = async (token: string, p: string) =>
        assert.equal(
          (await s.request("PUT", "/api/v1/me/presence", { token, body: { presence: p } })).status,
          200,
        );
      const folder = async (token: string, name: string) =>
        (await s.request("GET", `/api/v1/me/folders/${name}?limit=200`, { token })).body.items as {
          id: string;
          state: string;
        }[];
      const audit = async (threadId: string) =>
        (await s.request("GET", `/api/v1/threads/${threadId}/audit?limit=200`, { token: sup })).body
          .items as { id: string; type: string; details: Record<string, unknown> }[];
      const detail = async (id: string) =>
        (await s.request("GET", `/api/v1/interactions/${id}`, { token: sup })).body;

      await presence(bob, "available");
      const mail = await s.inbound(config, "mail", {
        id: "mail-1",
        thread: { id: "order-7" },
        author: { id: "c1", name: "Carla" },
        body: "Where is my order?",
      });
      assert.equal(mail.status, 202, JSON.stringify(mail.body));
      const deferred = mail.body.interactionId as string;
      assert.equal(
        (await s.request("POST", `/api/v1/interactions/${deferred}/accept`, { token: bob, body: {} })).status,
        200,
      );
      assert.equal(
        (await s.request("POST", `/api/v1/interactions/${deferred}/reply`, {
          token: bob,
          body: { body: "Checking." },
        })).status,
        201,
      );
      const wakeAt = Date.now() + 2_500;
      const d = await s.request("POST", `/api/v1/interactions/${deferred}/defer`, {
        token: bob,
        body: { until: new Date(wakeAt).toISOString() },
      });
      assert.equal(d.status, 200, JSON.stringify(d.body));

      await presence(alice, "available");
      const chat = await s.inbound(config, "webchat", {
        id: "chat-1",
        thread: { id: "chat-9" },
        author: { id: "c2", name: "Dan" },
        body: "Hello?",
      });
      assert.equal(chat.status, 202);
      const offered = chat.body.interactionId as string;
      // Crash at once, while the offer's 1.5 s accept timer runs; what the crash left behind is
      // read from the file itself.
      await s.crash();
      const before = await withKv(env.KV_PATH, async (kv) => {
        const state = async (id: string) => (await kv.get<InteractionState>(keys.interaction(id))).value!;
        const values = async <T>(prefix: Deno.KvKey) => {
          const out: T[] = [];
          for await (const e of kv.list<T>({ prefix })) out.push(e.value);
          return out;
        };
        const offer = await state(offered), later = await state(deferred);
        return {
          offer,
          deferred: later,
          messages: (await values<Message>(keys.messages(offer.threadId)))
            .concat(await values<Message>(keys.messages(later.threadId))),
          audit: (await values<AuditEntry>(keys.audits(offer.threadId)))
            .concat(await values<AuditEntry>(keys.audits(later.threadId))),
        };
      });
      assert.equal(before.offer.state, "offered", "the crash came before the accept limit");
      assert.equal(before.offer.agentId, "alice");
      assert.equal(before.deferred.state, "deferred", "the crash came before the deferral ended");

      // --- second life: both timers are overdue; the start-up sweep fires them ----------------
      await sleepUntil(wakeAt + 300);
      s = await start();
      await eventually(
        async () => (await detail(offered)).interaction.state === "queued",
        20_000,
        "the offer to be withdrawn",
      );
      const me = (await s.request("GET", "/api/v1/me", { token: alice })).body;
      assert.equal(me.presence, "away", "the agent who missed the offer is set away");
      assert.deepEqual((await folder(alice, "in_progress")).map((i) => i.id), []);
      // carol was offline throughout: becoming available now gets her the requeued interaction.
      await presence(carol, "available");
      await eventually(
        async () =>
          (await folder(carol, "in_progress")).some((i) => i.id === offered && i.state === "offered"),
        20_000,
        "a new offer to carol",
      );
      await eventually(
        async () => (await folder(bob, "in_progress")).some((i) => i.id === deferred && i.state === "active"),
        20_000,
        "the deferred interaction back with bob",
      );
      assert.deepEqual(await folder(bob, "deferred"), []);

      const after = { offer: await detail(offered), deferred: await detail(deferred) };
      const auditAfter = [...await audit(before.offer.threadId), ...await audit(before.deferred.threadId)];
      const auditIds = new Set(auditAfter.map((e) => e.id));
      assert.deepEqual(
        before.audit.filter((e) => !auditIds.has(e.id)).map((e) => e.type),
        [],
        "audit entries from before the crash are kept",
      );
      const types = auditAfter.map((e) => e.type);
      for (const t of ["offer_missed", "returned_from_deferred"]) {
        assert.ok(types.includes(t), `audit has ${t}: ${types.join(", ")}`);
      }
      assert.ok(
        auditAfter.some((e) => e.type === "offered" && e.details.agentId === "carol"),
        "audit has the new offer",
      );
      // Every message stored before the crash is still there, unchanged but for its status.
      const shown = [...after.offer.messages, ...after.deferred.messages] as { id: string; body: string }[];
      for (const m of before.messages) {
        assert.equal(shown.find((x) => x.id === m.id)?.body, m.body, `message ${m.id} is kept`);
      }
      assert.deepEqual(after.deferred.messages.map((m: { body: string }) => m.body), [
        "Where is my order?",
        "Checking.",
      ]);

      // --- third life: killed with a deferral still in the future; it fires after the restart --
      const due = Date.now() + 2_000;
      const again = await s.request("POST", `/api/v1/interactions/${deferred}/defer`, {
        token: bob,
        body: { until: new Date(due).toISOString() },
      });
      assert.equal(again.status, 200);
      await s.crash();
      s = await start();
      if (Date.now() < due - 300) {
        assert.deepEqual(
          (await folder(bob, "deferred")).map((i) => i.id),
          [deferred],
          "still deferred right after the restart",
        );
      }
      await eventually(
        async () => (await folder(bob, "in_progress")).some((i) => i.id === deferred && i.state === "active"),
        20_000,
        "the second deferral to end",
      );
      await s.crash();

      // The store the three lives left behind is consistent as a whole.
      await withKv(env.KV_PATH, (kv) => checkInvariants(kv, config));
    } catch (e) {
      for (const [i, p] of servers.entries()) console.error(`--- server ${i + 1} output ---\n${p.output}`);
      throw e;
    } finally {
      for (const p of servers) await p.crash().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
