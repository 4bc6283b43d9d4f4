import assert from "node:assert/strict";
import { type Credential, credentialOf, decideCredential, sessionHolds } from "./credential.ts";

const stored: Credential = { hash: "h1", epoch: 3, role: "agent", active: true };
const spec = { hash: "h1", role: "agent", disabled: false };

Deno.test("credential - an unchanged configuration keeps the record and every session", () => {
  const d = decideCredential(stored, spec);
  assert.equal(d.credential, stored);
  assert.equal(d.revoke, null);
});

Deno.test("credential - disabling, removing, a new password or a new role move the epoch and say why", () => {
  const cases = [
    [{ ...spec, disabled: true }, "disabled", false],
    [null, "removed", false],
    [{ ...spec, hash: "h2" }, "password_changed", true],
    [{ ...spec, role: "supervisor" }, "role_changed", true],
  ] as const;
  for (const [next, reason, active] of cases) {
    const before = structuredClone(stored);
    const d = decideCredential(stored, next);
    assert.deepEqual(stored, before, "the input is not mutated");
    assert.equal(d.revoke, reason);
    assert.equal(d.credential?.epoch, 4);
    assert.equal(d.credential?.active, active);
    const session = { agentId: "a", csrf: "c", createdAt: 0, expiresAt: 10, epoch: 3 };
    assert.ok(sessionHolds(session, stored, 5));
    assert.ok(!sessionHolds(session, d.credential, 5), `${reason}: the old session no longer holds`);
  }
});

Deno.test("credential - an inactive agent has nothing to revoke and stays unchanged when still disabled", () => {
  const off: Credential = { ...stored, active: false };
  assert.equal(decideCredential(off, { ...spec, disabled: true }).credential, off);
  assert.equal(decideCredential(off, null).credential, off);
  const back = decideCredential(off, spec);
  assert.equal(back.revoke, null);
  assert.equal(back.credential?.active, true);
  assert.equal(back.credential?.epoch, 4, "sessions from before the agent was disabled stay dead");
});

Deno.test("credential - a new agent starts at epoch 1; a legacy bare hash reads as epoch 0", () => {
  assert.deepEqual(decideCredential(null, spec), {
    credential: { hash: "h1", epoch: 1, role: "agent", active: true },
    revoke: null,
  });
  const legacy = credentialOf("h1")!;
  assert.deepEqual(legacy, { hash: "h1", epoch: 0, role: null, active: true });
  // The first sync records the role; sessions opened before epochs (no epoch recorded) end once.
  const d = decideCredential(legacy, spec);
  assert.equal(d.revoke, null);
  assert.ok(!sessionHolds({ agentId: "a", csrf: "c", createdAt: 0, expiresAt: 10 }, d.credential, 5));
});

Deno.test("credential - an expired session does not hold", () => {
  assert.ok(!sessionHolds({ agentId: "a", csrf: "c", createdAt: 0, expiresAt: 10, epoch: 3 }, stored, 10));
});
