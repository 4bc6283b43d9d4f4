/**
 * An agent's credential and the sessions it vouches for (SPEC M1b). The credential carries an
 * `epoch`; a session records the epoch it was opened under and is valid only while the
 * credential still has that epoch and is active. Anything that must end an agent's sessions
 * (disabled, removed, a new password, a new role) moves the epoch: every token issued before
 * answers 401 on its next request, in every process, without listing the sessions.
 * Pure: no I/O, time comes in as arguments.
 */

export type Credential = {
  /** PBKDF2 hash (`pbkdf2-sha256$…`). */
  hash: string;
  epoch: number;
  /** The role the sessions were opened under; null for a record older than this field. */
  role: string | null;
  /** False once the agent is disabled or removed: nobody signs in as them. */
  active: boolean;
};

/** What the configuration now says about an agent's credential; null when the agent is removed. */
export type CredentialSpec = { hash: string; role: string; disabled: boolean } | null;

export type RevokeReason =
  | "disabled"
  | "removed"
  | "password_changed"
  | "role_changed"
  | "signed_out_everywhere";

export type Session = {
  agentId: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
  /** The credential epoch the session was opened under (absent: opened before epochs, = 0). */
  epoch?: number;
};

/** A stored credential of any age: older stores kept the bare hash string. */
export function credentialOf(stored: unknown): Credential | null {
  if (typeof stored === "string") return { hash: stored, epoch: 0, role: null, active: true };
  if (!stored || typeof stored !== "object") return null;
  return stored as Credential;
}

/**
 * The credential after a configuration change, and whether (and why) that change ends the
 * agent's sessions. Unchanged input returns the stored record itself (nothing to write).
 * @example decideCredential({ hash: "h", epoch: 3, role: "agent", active: true }, { hash: "h", role: "agent", disabled: true })
 * // { credential: { hash: "h", epoch: 4, role: "agent", active: false }, revoke: "disabled" }
 */
export function decideCredential(
  stored: Credential | null,
  spec: CredentialSpec,
): { credential: Credential | null; revoke: RevokeReason | null } {
  if (!spec) {
    if (!stored || !stored.active) return { credential: stored, revoke: null };
    return { credential: { ...stored, epoch: stored.epoch + 1, active: false }, revoke: "removed" };
  }
  const active = !spec.disabled;
  if (!stored) return { credential: { hash: spec.hash, epoch: 1, role: spec.role, active }, revoke: null };
  const changed = stored.hash !== spec.hash || stored.role !== spec.role || stored.active !== active;
  if (!changed) return { credential: stored, revoke: null };
  const reason: RevokeReason | null = !active
    ? "disabled"
    : stored.hash !== spec.hash
    ? "password_changed"
    : stored.role !== null && stored.role !== spec.role
    ? "role_changed"
    : null;
  return {
    credential: { hash: spec.hash, epoch: stored.epoch + 1, role: spec.role, active },
    // An agent already inactive has no sessions left to end.
    revoke: stored.active ? reason : null,
  };
}

/** The credential after "end every session now" (sign out everywhere, an operator's revocation). */
export function bumpEpoch(c: Credential): Credential {
  return { ...c, epoch: c.epoch + 1 };
}

/** Whether `session` still holds at `now` under `credential`. */
export function sessionHolds(session: Session, credential: Credential | null, now: number): boolean {
  return session.expiresAt > now && credential !== null && credential.active &&
    (session.epoch ?? 0) === credential.epoch;
}
