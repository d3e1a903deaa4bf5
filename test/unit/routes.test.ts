// The route table is the one list of operations: every module under handlers/
// that is an operation is in it under its own path, and the OpenAPI document,
// the router and the Lambda bundles all come from it.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../app/routes';

const HANDLERS = join(process.cwd(), 'handlers');
/** Modules shared by a resource's operations, which are not operations themselves. */
const SHARED = ['actions/write-answer'];

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? modules(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [relative(HANDLERS, join(dir, entry.name)).slice(0, -3)]
        : [],
  );
}

describe('the route table', () => {
  it('names every operation module under handlers/, each under its own path', async () => {
    const found = modules(HANDLERS).filter((m) => !SHARED.includes(m));
    expect(Object.keys(ROUTES).sort()).toEqual(found.sort());
    for (const [key, operation] of Object.entries(ROUTES)) {
      const mod = (await import(join(HANDLERS, `${key}.ts`))) as { default: unknown };
      expect(mod.default, key).toBe(operation);
    }
  });

  it('holds no module that default-exports an operation outside the table', async () => {
    for (const shared of SHARED) {
      const mod = (await import(join(HANDLERS, `${shared}.ts`))) as { default?: unknown };
      expect(mod.default, shared).toBeUndefined();
    }
  });

  it('has one operation per method and path', () => {
    const keys = Object.values(ROUTES).map((o) => `${o.spec.method} ${o.spec.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
