/// <reference lib="dom" />
/**
 * Attention without looking (R5, U4): a short chime made with Web Audio (no sound file to load)
 * and a system notification when the tab is hidden and the agent allowed it. Browsers only let
 * audio start after a user gesture, so the context is created on the first one.
 */

let audio: AudioContext | null = null;

/** Call from a user gesture: creates or resumes the audio context. */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") void audio.resume();
  } catch { /* no Web Audio */ }
}

/** Two soft rising tones for an offer, one for a message. */
export function chime(kind: "offer" | "message"): void {
  if (!audio || audio.state !== "running") return;
  const tones = kind === "offer" ? [660, 880] : [740];
  const t0 = audio.currentTime;
  tones.forEach((f, i) => {
    const osc = audio!.createOscillator();
    const gain = audio!.createGain();
    osc.type = "sine";
    osc.frequency.value = f;
    const start = t0 + i * 0.16;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.18, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.28);
    osc.connect(gain).connect(audio!.destination);
    osc.start(start);
    osc.stop(start + 0.3);
  });
  chimes++;
}

/** How many chimes played (read by the browser tests through `window.__routingView`). */
export let chimes = 0;

export const canNotify = () => typeof Notification !== "undefined";

export function notificationsAllowed(): boolean {
  return canNotify() && Notification.permission === "granted";
}

export async function askNotificationPermission(): Promise<boolean> {
  if (!canNotify()) return false;
  return (await Notification.requestPermission()) === "granted";
}

/** Shows a notification only while the page is hidden; a click focuses the page. */
export function notify(title: string, body: string, onClick?: () => void): void {
  if (!document.hidden || !notificationsAllowed()) return;
  try {
    const n = new Notification(title, { body, tag: title + body });
    n.onclick = () => {
      globalThis.focus();
      onClick?.();
      n.close();
    };
  } catch { /* some platforms only allow notifications from a service worker */ }
}
