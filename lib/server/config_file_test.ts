import assert from "node:assert/strict";
import { capacityOf, permissionsOf } from "../shared/config.ts";
import { Invalid } from "../shared/errors.ts";
import { loadConfigFile } from "./config_file.ts";

const DEMO = new URL("../../config/demo.json", import.meta.url);

Deno.test("config - the demo configuration parses", async () => {
  const c = await loadConfigFile(DEMO.pathname);
  assert.equal(c.routing.strategy, "least_occupied");
  assert.equal(c.routing.acceptTimeout, 45);
  assert.deepEqual(c.sources.map((s) => s.id), ["webchat", "whatsapp", "email"]);
  assert.ok(c.agents.length >= 7);
  assert.ok(c.agents.every((a) => a.password === "demo-password"));
  // Defaults are filled in where the file leaves them out.
  const webchat = c.sources[0];
  assert.deepEqual(webchat.smartClosure?.yesLabel, { en: "Yes", fr: "Oui" });
  assert.deepEqual(capacityOf(c, c.agents.find((a) => a.id === "alice")!, "realtime"), {
    capacity: 2,
    maxCapacity: 3,
  });
  assert.deepEqual(capacityOf(c, c.agents.find((a) => a.id === "bruno")!, "realtime"), {
    capacity: 3,
    maxCapacity: 5,
  });
  assert.ok(permissionsOf(c, "supervisor").has("force_transfer"));
  assert.ok(!permissionsOf(c, "agent").has("force_transfer"));
  assert.equal(permissionsOf(c, "nobody").size, 0);
});

Deno.test("config - an unreadable or non-JSON file is refused with its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      loadConfigFile(`${dir}/missing.json`),
      (e) => e instanceof Invalid && e.code === "invalid_config" && e.message.includes("missing.json"),
    );
    await Deno.writeTextFile(`${dir}/broken.json`, "{ not json");
    await assert.rejects(
      loadConfigFile(`${dir}/broken.json`),
      (e) => e instanceof Invalid && e.message.includes("not JSON"),
    );
    await Deno.writeTextFile(`${dir}/ok.json`, await Deno.readTextFile(DEMO));
    assert.ok((await loadConfigFile(`${dir}/ok.json`)).agents.length >= 7);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
