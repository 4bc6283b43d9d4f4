import assert from "node:assert/strict";
import { describePath, describeValue, diffConfig, reapply } from "./admin_diff.ts";
import { fieldAt, getAt, type Json, jsonEqual, setAt } from "./admin_paths.ts";
import type { ConfigInput } from "../shared/config.ts";

const base: Json = {
  routing: { strategy: "least_occupied", acceptTimeout: 30 },
  languages: ["en", "fr"],
  agents: [
    { id: "alice", name: "Alice Martin", capacity: { realtime: { capacity: 2, maxCapacity: 3 } } },
    { id: "bob", name: "Bob", capacity: {} },
  ],
};

Deno.test("admin paths - set copies only the path and removes with undefined", () => {
  const next = setAt(base, "agents.0.capacity.realtime.capacity", 3);
  assert.equal(getAt(next, "agents.0.capacity.realtime.capacity"), 3);
  assert.equal(getAt(base, "agents.0.capacity.realtime.capacity"), 2);
  assert.equal(next.agents[1], base.agents[1]);
  assert.equal(next.routing, base.routing);
  assert.deepEqual(setAt(base, "languages.0", undefined).languages, ["fr"]);
  assert.equal("acceptTimeout" in setAt(base, "routing.acceptTimeout", undefined).routing, false);
  assert.equal(getAt(base, "agents.5.name"), undefined);
  assert.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
});

Deno.test("admin fields - typed steps name the server's error paths and write whole new roots", () => {
  let root: ConfigInput = structuredClone(base);
  let removed = 0;
  const config = fieldAt<ConfigInput>(() => root, (next) => (root = next), "", () => removed++);
  const capacity = config.key("agents").item(0).key("capacity").key("realtime").key("capacity");
  assert.equal(capacity.path, "agents.0.capacity.realtime.capacity");
  assert.equal(capacity.value(), 2);
  const before = root;
  capacity.set(4);
  assert.equal(getAt(root, capacity.path), 4);
  assert.equal(getAt(before, capacity.path), 2, "the previous root is not mutated");
  assert.equal(root.agents![1], before.agents![1], "only the objects along the path are copied");
  capacity.setUnparsed("four");
  assert.equal(getAt(root, capacity.path), "four", "what was typed stays for the server to refuse");
  config.key("languages").append("de");
  assert.deepEqual(root.languages, ["en", "fr", "de"]);
  config.key("teams").append({ id: "t1", name: "Team 1" });
  assert.deepEqual(root.teams, [{ id: "t1", name: "Team 1" }], "append creates a missing list");
  config.key("agents").item(0).remove();
  assert.deepEqual(root.agents!.map((a) => a.id), ["bob"]);
  assert.equal(removed, 1);
  assert.equal(config.key("experts").item(3).key("name").value(), undefined);
});

Deno.test("admin diff - lists with ids compare by id and read as names", () => {
  const after = {
    ...base,
    languages: ["en", "fr", "de"],
    agents: [
      { id: "carol", name: "Carol", capacity: {} },
      { ...base.agents[0], capacity: { realtime: { capacity: 3, maxCapacity: 3 } } },
    ],
  };
  const changes = diffConfig(base, after);
  assert.deepEqual(
    changes.map((c) =>
      `${describePath(c.path, base, after)}: ${describeValue(c.before)} → ${describeValue(c.after)}`
    ),
    [
      "languages: [en, fr] → [en, fr, de]",
      "agents › Alice Martin › capacity › realtime › capacity: 2 → 3",
      "agents › Bob: Bob → —",
      "agents › Carol: — → Carol",
    ],
  );
  assert.deepEqual(diffConfig(base, structuredClone(base)), []);
});

Deno.test("admin diff - my edits reapply on top of another admin's version", () => {
  const mine = setAt(setAt(base, "agents.0.capacity.realtime.capacity", 3), "routing.acceptTimeout", 45);
  // Meanwhile: Bob removed, a new agent first, the strategy changed, Alice renamed.
  const theirs: Json = {
    ...base,
    routing: { ...base.routing, strategy: "round_robin" },
    agents: [{ id: "dan", name: "Dan", capacity: {} }, { ...base.agents[0], name: "Alice M." }],
  };
  const merged = reapply(theirs, diffConfig(base, mine));
  assert.deepEqual(merged.routing, { strategy: "round_robin", acceptTimeout: 45 });
  assert.deepEqual(merged.agents.map((a: { id: string }) => a.id), ["dan", "alice"]);
  assert.equal(merged.agents[1].name, "Alice M.");
  assert.equal(merged.agents[1].capacity.realtime.capacity, 3);
  assert.equal(theirs.routing.strategy, "round_robin", "the target is not mutated");
  assert.equal(theirs.agents[1].capacity.realtime.capacity, 2);
});

Deno.test("admin diff - an edit inside something removed meanwhile is dropped, additions are kept", () => {
  const mine = {
    ...setAt(base, "agents.1.name", "Robert"),
    teams: [{ id: "new", name: "New team" }],
  };
  const theirs: Json = { ...base, agents: [base.agents[0]] };
  const merged = reapply(theirs, diffConfig(base, mine));
  assert.deepEqual(merged.agents.map((a: { id: string }) => a.id), ["alice"]);
  assert.deepEqual(merged.teams, [{ id: "new", name: "New team" }]);
});
