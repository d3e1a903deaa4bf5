// The action lifecycle of the contract as one table. The status handler, the
// SQL guard, the tests, the OpenAPI text and the web page all read this.
import { atLeast, type Role } from './roles';

export const STATUSES = ['open', 'in_progress', 'blocked', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

const ACTIVE: readonly Status[] = ['open', 'in_progress', 'blocked'];

export interface TransitionRule {
  from: readonly Status[];
  to: readonly Status[];
  minRole: Role;
  notesRequired: boolean;
}

export const TRANSITIONS: readonly TransitionRule[] = [
  { from: ACTIVE, to: ACTIVE, minRole: 'member', notesRequired: false },
  { from: ACTIVE, to: ['resolved'], minRole: 'member', notesRequired: true },
  { from: ['resolved'], to: ['closed'], minRole: 'lead', notesRequired: false },
  { from: ACTIVE, to: ['closed'], minRole: 'lead', notesRequired: true },
  { from: ['resolved'], to: ['open', 'in_progress'], minRole: 'member', notesRequired: false },
  { from: ['closed'], to: ['open'], minRole: 'lead', notesRequired: false },
];

export type TransitionVerdict =
  { ok: true; rule: TransitionRule } | { ok: false; reason: 'invalid_transition' | 'forbidden' | 'notes_required'; rule?: TransitionRule };

/** Decides one transition. The same status is never a transition. */
export function decideTransition(from: Status, to: Status, role: Role, hasNotes: boolean): TransitionVerdict {
  const rule = from === to ? undefined : TRANSITIONS.find((r) => r.from.includes(from) && r.to.includes(to));
  if (!rule) return { ok: false, reason: 'invalid_transition' };
  if (!atLeast(role, rule.minRole)) return { ok: false, reason: 'forbidden', rule };
  if (rule.notesRequired && !hasNotes) return { ok: false, reason: 'notes_required', rule };
  return { ok: true, rule };
}

/** Every status from which `to` may be reached by `role` — the guard the UPDATE runs with. */
export function allowedSources(to: Status, role: Role, hasNotes: boolean): Status[] {
  return STATUSES.filter((from) => decideTransition(from, to, role, hasNotes).ok);
}

/** Statuses an action counts as finished in (resolution notes belong to them). */
export function isFinished(status: Status): boolean {
  return status === 'resolved' || status === 'closed';
}
