import assert from "node:assert/strict";
import { type ClosingEvent, OpenStreams, SERVER_STOPPING, STREAM_REPLACED } from "./streams.ts";

function opened(streams: OpenStreams, owner: string | null) {
  const got: ClosingEvent[] = [];
  const remove = streams.add(owner, (e) => got.push(e));
  return { got, remove };
}

Deno.test("open streams - past the limit the owner's oldest is closed with stream.replaced, others untouched", () => {
  const streams = new OpenStreams(2);
  const [a1, a2, b1] = [opened(streams, "a"), opened(streams, "a"), opened(streams, "b")];
  const a3 = opened(streams, "a");
  assert.deepEqual(a1.got, [{ event: STREAM_REPLACED, data: { reason: "too_many_streams", limit: 2 } }]);
  assert.deepEqual([a2.got, a3.got, b1.got], [[], [], []]);
  assert.equal(streams.size, 3);
  // A stream that ended on its own frees its place.
  a2.remove();
  const a4 = opened(streams, "a");
  assert.deepEqual([a3.got, a4.got], [[], []]);
  // Streams without an owner are not limited.
  const free = Array.from({ length: 5 }, () => opened(streams, null));
  assert.ok(free.every((f) => f.got.length === 0));
});

Deno.test("open streams - closing all tells every stream once, and every stream opened later at once", () => {
  const streams = new OpenStreams();
  const [x, y] = [opened(streams, "a"), opened(streams, null)];
  const stopping: ClosingEvent = {
    event: SERVER_STOPPING,
    data: { interactionId: null, reason: "shutdown" },
  };
  streams.closeAll(stopping);
  streams.closeAll(stopping);
  assert.deepEqual([x.got, y.got], [[stopping], [stopping]]);
  assert.equal(streams.size, 0);
  const late = opened(streams, "a");
  assert.deepEqual(late.got, [stopping]);
  assert.equal(streams.size, 0);
});
