// The page checks fields with the API's limits (lib/domain/field-rules.ts) and
// builds its quick-status menu from the lifecycle table: its checks must agree
// with the server's, or the page offers what the API refuses.
import { describe, expect, it } from 'vitest';
import { LIMITS as API_LIMITS } from '../../lib/domain/action-schema';
import { decideTransition, STATUSES as API_STATUSES, TRANSITIONS } from '../../lib/domain/lifecycle';
import { atLeast, ROLES as API_ROLES } from '../../lib/domain/roles';
import { can, PRIORITIES, ROLES, STATUS_LABEL, STATUSES, targetsFrom } from '../../web/src/lifecycle';
import { checkText, LIMITS as PAGE_LIMITS, parseTags } from '../../web/src/validation';

describe("the page's copies of the API's rules", () => {
  it('has the same field limits as lib/domain/action-schema.ts', () => {
    expect(PAGE_LIMITS).toEqual(API_LIMITS);
  });

  it('checks text at exactly those limits (in code points, as the API counts)', () => {
    expect(checkText('x'.repeat(API_LIMITS.title), { min: 1, max: PAGE_LIMITS.title })).toBeNull();
    expect(checkText('x'.repeat(API_LIMITS.title + 1), { min: 1, max: PAGE_LIMITS.title })).toMatch(/at most 200/);
    expect(checkText('🔑'.repeat(API_LIMITS.title), { min: 1, max: PAGE_LIMITS.title })).toBeNull();
    expect(parseTags(Array.from({ length: API_LIMITS.tags }, (_, i) => `t${i}`).join(',')).error).toBeNull();
    expect(parseTags(Array.from({ length: API_LIMITS.tags + 1 }, (_, i) => `t${i}`).join(',')).error).toMatch(/at most 20 tags/);
    expect(parseTags('x'.repeat(API_LIMITS.tag + 1)).error).toMatch(/longer than 32/);
  });

  it('offers in quick status exactly the transitions of TRANSITIONS in lib/domain/lifecycle.ts, per role', () => {
    expect(STATUSES).toEqual(API_STATUSES);
    expect(ROLES).toEqual(API_ROLES);
    expect(Object.keys(STATUS_LABEL).sort()).toEqual([...API_STATUSES].sort());
    expect(PRIORITIES).toEqual(['critical', 'high', 'medium', 'low']);
    for (const role of API_ROLES) {
      for (const from of API_STATUSES) {
        // Straight from the table: every rule leaving `from` this role may use.
        const expected = API_STATUSES.filter((to) => to !== from)
          .map((to) => ({ to, rule: TRANSITIONS.find((r) => r.from.includes(from) && r.to.includes(to)) }))
          .filter(({ rule }) => rule && atLeast(role, rule.minRole))
          .map(({ to, rule }) => ({ to, notesRequired: rule!.notesRequired }));
        expect(targetsFrom(from, role), `${role} from ${from}`).toEqual(expected);
      }
    }
  });

  it('behind a proxy (role unknown) offers every transition of the table and lets the server decide', () => {
    for (const from of API_STATUSES) {
      const all = API_STATUSES.filter((to) => decideTransition(from, to, 'admin', true).ok);
      expect(targetsFrom(from, null).map((t) => t.to)).toEqual(all);
    }
  });

  it('shows write controls from member up and delete to admins only, as the API allows', () => {
    expect(API_ROLES.filter((r) => can(r, 'write'))).toEqual(['member', 'lead', 'admin']);
    expect(API_ROLES.filter((r) => can(r, 'delete'))).toEqual(['admin']);
  });
});
