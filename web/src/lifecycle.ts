// The page uses the server's own lifecycle and role tables (lib/domain has no
// Node imports), so the quick-status menu offers exactly what the API allows.
import { decideTransition, STATUSES, type Status } from '../../lib/domain/lifecycle';
import { atLeast, type Role } from '../../lib/domain/roles';

export { isFinished, PRIORITIES, STATUSES, type Priority, type Status } from '../../lib/domain/lifecycle';
export { ROLES, USER_NAME, type Role } from '../../lib/domain/roles';

export const STATUS_LABEL: Record<Status, string> = {
  open: 'Open',
  in_progress: 'In progress',
  blocked: 'Blocked',
  resolved: 'Resolved',
  closed: 'Closed',
};

export const PRIORITY_LABEL: Record<string, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

/** Behind a proxy the page cannot know the role: it offers everything and the server decides. */
const effective = (role: Role | null): Role => role ?? 'admin';

export interface Target {
  to: Status;
  notesRequired: boolean;
}

/** The statuses `role` may move an action to from `from`, in table order. */
export function targetsFrom(from: Status, role: Role | null): Target[] {
  const out: Target[] = [];
  for (const to of STATUSES) {
    const verdict = decideTransition(from, to, effective(role), true);
    if (verdict.ok) out.push({ to, notesRequired: verdict.rule.notesRequired });
  }
  return out;
}

export type Ability = 'write' | 'delete';

/** What the UI shows: members write (create, edit, status, upload); admins delete. */
export function can(role: Role | null, ability: Ability): boolean {
  return atLeast(effective(role), ability === 'write' ? 'member' : 'admin');
}
