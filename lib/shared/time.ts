/** The clock is injected everywhere so tests and decide functions never read real time themselves. */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };

export const iso = (ms: number): string => new Date(ms).toISOString();
export const ms = (isoString: string): number => Date.parse(isoString);
