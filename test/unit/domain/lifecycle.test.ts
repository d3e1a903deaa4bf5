import { describe, expect, it } from 'vitest';
import { allowedSources, decideTransition, STATUSES, type Status } from '../../../lib/domain/lifecycle';
import { ROLES, type Role } from '../../../lib/domain/roles';

// The contract's lifecycle, written out independently of lib/domain's table:
// [from, to] → minimum role and whether notes are required.
const ACTIVE: Status[] = ['open', 'in_progress', 'blocked'];
const EXPECTED = new Map<string, { min: Role; notes: boolean }>();
for (const from of ACTIVE) {
  for (const to of ACTIVE) if (from !== to) EXPECTED.set(`${from}>${to}`, { min: 'member', notes: false });
  EXPECTED.set(`${from}>resolved`, { min: 'member', notes: true });
  EXPECTED.set(`${from}>closed`, { min: 'lead', notes: true });
}
EXPECTED.set('resolved>closed', { min: 'lead', notes: false });
EXPECTED.set('resolved>open', { min: 'member', notes: false });
EXPECTED.set('resolved>in_progress', { min: 'member', notes: false });
EXPECTED.set('closed>open', { min: 'lead', notes: false });

const rank = (r: Role) => ROLES.indexOf(r);

describe('lifecycle table: every from → to × role × notes', () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      for (const role of ROLES) {
        for (const hasNotes of [false, true]) {
          const rule = EXPECTED.get(`${from}>${to}`);
          const expected = !rule
            ? 'invalid_transition'
            : rank(role) < rank(rule.min)
              ? 'forbidden'
              : rule.notes && !hasNotes
                ? 'notes_required'
                : 'ok';
          it(`${from} → ${to} as ${role}${hasNotes ? ' with notes' : ''}: ${expected}`, () => {
            const verdict = decideTransition(from, to, role, hasNotes);
            expect(verdict.ok ? 'ok' : verdict.reason).toBe(expected);
          });
        }
      }
    }
  }
});

describe('allowedSources', () => {
  it('lists the statuses a member may resolve from, given notes', () => {
    expect(allowedSources('resolved', 'member', true)).toEqual(['open', 'in_progress', 'blocked']);
  });
  it('is empty for resolving without notes', () => {
    expect(allowedSources('resolved', 'admin', false)).toEqual([]);
  });
  it('lets a lead close from resolved without notes but from active states only with notes', () => {
    expect(allowedSources('closed', 'lead', false)).toEqual(['resolved']);
    expect(allowedSources('closed', 'lead', true)).toEqual(['open', 'in_progress', 'blocked', 'resolved']);
  });
  it('never lets a member close or reopen a closed action', () => {
    expect(allowedSources('closed', 'member', true)).toEqual([]);
    expect(allowedSources('open', 'member', false)).not.toContain('closed');
    expect(allowedSources('open', 'lead', false)).toContain('closed');
  });
});
