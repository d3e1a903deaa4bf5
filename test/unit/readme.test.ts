import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../lib/config';
import { PROBLEMS } from '../../lib/problems';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('states the run and test commands first', () => {
    const run = readme.indexOf('npm install && npm start');
    const test = readme.indexOf('npm test');
    expect(run).toBeGreaterThan(-1);
    expect(test).toBeGreaterThan(run);
    expect(readme.slice(0, run)).not.toMatch(/```sh[\s\S]*```/);
  });

  it('has one configuration row per setting of lib/config.ts, with its default', () => {
    const rows = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2]!.trim()]);
    expect(rows.map(([name]) => name)).toEqual(Object.keys(SETTINGS));
    for (const [name, shown] of rows) {
      const fallback = SETTINGS[name as keyof typeof SETTINGS].default;
      expect(shown, name).toBe(fallback === undefined ? '—' : `\`${fallback}\``);
    }
  });

  it('lists the problem catalog as lib/problems.ts has it: slug, status and title', () => {
    const section = readme.slice(readme.indexOf('### Problems'));
    const rows = [...section.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \| ([^|]+) \|/gm)].map((m) => [m[1], Number(m[2]), m[3]!.trim()]);
    expect(rows).toEqual(Object.entries(PROBLEMS).map(([slug, p]) => [slug, p.status, p.title]));
  });
});
