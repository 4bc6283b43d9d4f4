/**
 * The reply assistant's similar-questions index follows KV (issue 13 item 3): a pair added by a
 * reply on one server process is found by a search on another process sharing the KV file,
 * within about 2 s, and an anonymised question disappears from both.
 */
import assert from "node:assert/strict";
import { PASSWORD, testConfig, testRoles, testRouting } from "./harness.ts";
import { ServerProcess } from "./server_process.ts";

Deno.test("assistant - a pair added on one process is searchable on another within 2 s, and anonymising removes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "assistant_multi_" });
  const config = await testConfig({ routing: testRouting(), roles: testRoles([], ["anonymize"]) }, [
    { id: "alice", categories: ["billing"] },
    { id: "sup", role: "supervisor" },
  ]);
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  const env = { KV_PATH: `${dir}/desk.kv`, ROUTING_CONFIG: `${dir}/config.json`, KV_QUEUES: "off" };
  const one = await ServerProcess.start(env);
  const two = await ServerProcess.start(env);
  try {
    const t1 = await one.signIn("alice", PASSWORD);
    const t2 = await two.signIn("alice", PASSWORD);
    await two.request("PUT", "/api/v1/me/presence", { token: t2, body: { presence: "available" } });
    const sent = await two.inbound(config, "webchat", {
      id: "q-1",
      thread: { id: "multi-1" },
      author: { id: "c-1", name: "Customer" },
      body: "My parcel never arrived at the warehouse",
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const id = sent.body.interactionId as string;
    const deadline = Date.now() + 10_000;
    while (
      (await two.request("POST", `/api/v1/interactions/${id}/accept`, { token: t2, body: {} })).status !== 200
    ) {
      assert.ok(Date.now() < deadline, "the interaction was never offered");
      await new Promise((r) => setTimeout(r, 50));
    }
    const reply = await two.request("POST", `/api/v1/interactions/${id}/reply`, {
      token: t2,
      body: { body: "We are sending a new parcel today." },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const repliedAt = Date.now();
    const found = async () =>
      (await one.request("GET", "/api/v1/assistant/search?q=parcel%20warehouse", { token: t1 })).body.similar;
    for (;;) {
      const hits = await found();
      if (hits.length) {
        assert.equal(hits[0].answer, "We are sending a new parcel today.");
        break;
      }
      assert.ok(Date.now() - repliedAt < 2_000, "not searchable on the other process within 2 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    // Anonymised on process 2: its question leaves the index of process 1 too.
    const detail = (await two.request("GET", `/api/v1/interactions/${id}`, { token: t2 })).body;
    const question = detail.messages.find((m: { author: { type: string } }) => m.author.type === "customer");
    const sup = await two.signIn("sup", PASSWORD);
    const anon = await two.request(
      "POST",
      `/api/v1/threads/${detail.interaction.threadId}/messages/${question.id}/anonymize`,
      { token: sup, body: {} },
    );
    assert.equal(anon.status, 200, JSON.stringify(anon.body));
    const anonymisedAt = Date.now();
    while ((await found()).length) {
      assert.ok(Date.now() - anonymisedAt < 2_000, "still found on the other process after 2 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    console.error(`process 1:\n${one.output}\nprocess 2:\n${two.output}`);
    throw e;
  } finally {
    await one.stop();
    await two.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
