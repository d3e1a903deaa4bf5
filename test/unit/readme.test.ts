import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../lib/config';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('states the Node.js version, then the run and test commands first', () => {
    const run = readme.indexOf('```sh\nnpm install\nnpm run demo\nnpm start\n```');
    const test = readme.indexOf('npm test');
    expect(run).toBeGreaterThan(-1);
    expect(test).toBeGreaterThan(run);
    expect(readme.slice(0, run)).not.toMatch(/```sh[\s\S]*```/);
    // The floor package.json's engines sets, said before the first command.
    const engines = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } })
      .engines;
    expect(engines.node).toBe('>=20.19');
    expect(readme.slice(0, run)).toMatch(/Node\.js 20\.19 or later/);
  });

  it('links the API reference inside the repository', () => {
    expect(readme).toContain('[docs/api.md](docs/api.md)');
    expect(readme).not.toMatch(/\.\.\/shared\/contract/);
  });

  it('has shell examples that work as pasted in bash and in zsh', () => {
    const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) {
      for (const line of block.split('\n').filter(Boolean)) {
        // What is left once quoted strings are taken out is what the shell reads as words.
        // An assignment from a command (`id=$(…)`) is not split by either shell.
        const bare = line
          .replace(/'[^']*'/g, "''")
          .replace(/"(?:[^"\\]|\\.)*"/g, '""')
          .replace(/^[A-Za-z_]\w*=\$\(/, '');
        // zsh without interactive_comments runs `#` as a command or passes it as an argument.
        expect(bare, line).not.toMatch(/(^|\s)#/);
        // Unquoted, zsh globs ? and * (no match: an error) and both shells read & < > as operators.
        expect(bare, line).not.toMatch(/https?:\/\/\S*[?*&<>[]/);
        // zsh does not split an unquoted $VAR into words (bash does): every expansion is quoted.
        expect(bare, line).not.toMatch(/\$/);
        // History expansion: ! inside double quotes is expanded by interactive bash and zsh.
        expect(line.match(/"(?:[^"\\]|\\.)*"/g)?.filter((q) => q.includes('!')) ?? [], line).toEqual([]);
      }
    }
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
