import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../lib/config';

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
});
