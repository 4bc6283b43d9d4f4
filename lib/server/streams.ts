/**
 * The event streams this process holds open, by owner (a signed-in session, a widget visitor):
 * at most `perOwner` each — opening one more closes the oldest, which is told why — and one call
 * that tells every stream to go (the server stopping). Bookkeeping of this process's own
 * connections; with `shared` (desk/stream_leases.ts) the per-owner limit also holds across the
 * processes sharing the store. What the streams carry comes from KV.
 */
import { type ClosingEvent, SERVER_STOPPING, STREAM_REPLACED } from "../shared/wire/events.ts";

export { type ClosingEvent, SERVER_STOPPING, STREAM_REPLACED };

/** How many streams one owner may hold open on one process. */
export const STREAMS_PER_OWNER = 5;

/**
 * The per-owner limit across processes: `open` registers a stream of `owner`, calls `close` when
 * an opening elsewhere makes it one too many, and returns the function that releases it.
 */
export interface SharedStreams {
  open(owner: string, close: (e: ClosingEvent) => void): () => void;
}

type Entry = { owner: string | null; close: (e: ClosingEvent) => void; release?: () => void };

export class OpenStreams {
  #all = new Set<Entry>();
  #byOwner = new Map<string, Entry[]>();
  #closing: ClosingEvent | null = null;

  constructor(readonly perOwner = STREAMS_PER_OWNER, readonly shared: SharedStreams | null = null) {}

  /** Streams open now. */
  get size(): number {
    return this.#all.size;
  }

  /**
   * Registers a stream; `close` is called at most once, with the event to write before closing.
   * Returns the function that unregisters it (call it however the stream ends).
   */
  add(owner: string | null, close: (e: ClosingEvent) => void): () => void {
    let closed = false;
    const entry: Entry = {
      owner,
      close: (e) => {
        if (closed) return;
        closed = true;
        close(e);
      },
    };
    if (this.#closing) {
      // The server is stopping: this stream is told so at once.
      entry.close(this.#closing);
      return () => {};
    }
    this.#all.add(entry);
    if (owner !== null) {
      const mine = this.#byOwner.get(owner) ?? [];
      mine.push(entry);
      this.#byOwner.set(owner, mine);
      while (mine.length > this.perOwner) {
        const oldest = mine.shift()!;
        this.#remove(oldest);
        oldest.close({
          event: STREAM_REPLACED,
          data: { reason: "too_many_streams", limit: this.perOwner },
        });
      }
      if (this.shared) {
        entry.release = this.shared.open(owner, (e) => {
          this.#remove(entry);
          entry.close(e);
        });
      }
    }
    return () => this.#remove(entry);
  }

  /** Closes every open stream with `e`, and every stream opened from now on. */
  closeAll(e: ClosingEvent): void {
    this.#closing = e;
    for (const entry of [...this.#all]) {
      this.#remove(entry);
      entry.close(e);
    }
  }

  #remove(entry: Entry): void {
    this.#all.delete(entry);
    entry.release?.();
    entry.release = undefined;
    if (entry.owner === null) return;
    const mine = this.#byOwner.get(entry.owner);
    const at = mine?.indexOf(entry) ?? -1;
    if (at >= 0) mine!.splice(at, 1);
    if (mine && mine.length === 0) this.#byOwner.delete(entry.owner);
  }
}
