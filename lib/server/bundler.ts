/**
 * The one door to Deno's built-in bundler (`Deno.bundle`, unstable "bundle"). Calls run one at a
 * time: on a machine with an empty Deno cache the first call downloads esbuild from npm, and two
 * concurrent first calls (island bundles and the widget) race on that download and fail with
 * "failed to remove directory …/@esbuild/…". Builds happen once per process, so the queue costs
 * nothing worth measuring.
 */
export type BundleResult = {
  success: boolean;
  errors: { text?: string }[];
  outputFiles?: { path: string; contents?: Uint8Array }[];
};
type Bundler = (o: Record<string, unknown>) => Promise<BundleResult>;

let queue: Promise<unknown> = Promise.resolve();

/** Runs `Deno.bundle(options)` after every earlier call has settled. */
export function bundle(options: Record<string, unknown>): Promise<BundleResult> {
  const run = (Deno as unknown as { bundle?: Bundler }).bundle;
  if (!run) {
    return Promise.reject(
      new Error('Deno.bundle is unavailable: add "bundle" to "unstable" in deno.json.'),
    );
  }
  const result = queue.then(() => run(options));
  queue = result.catch(() => {});
  return result;
}
