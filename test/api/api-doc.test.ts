// docs/api.md is the project's own description of its API. This keeps it in
// step with what the service serves: the OpenAPI document the running app
// answers at GET /api/v1/openapi.json (over the real route table), and the
// problem catalog of lib/problems.ts. Adding a route without documenting it, or
// documenting one that is gone, or naming a problem that does not exist (or
// that the operation cannot answer), fails here.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../app/routes';
import type { HttpServer } from '../../lib/http/server';
import { PROBLEM_BASE, PROBLEMS } from '../../lib/problems';
import { serverWithoutData } from '../support/in-process';

const DOC_PATH = 'docs/api.md';
const doc = readFileSync(new URL(`../../${DOC_PATH}`, import.meta.url), 'utf8');

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** How an operation's heading is written: ### `METHOD /path` */
const OPERATION_HEADING = new RegExp(`^### \`(${METHODS.join('|')}) (/\\S*)\`$`);
/** Any heading that names a method and a path, however it is written. */
const LOOKS_LIKE_AN_OPERATION = new RegExp(`^#{1,6}\\s.*\\b(${METHODS.join('|')})\\s+\`?/`);

interface Section {
  operation: string;
  line: number;
  body: string;
}

/** The document's operation sections: each heading, and its text up to the next heading. */
function operationSections(markdown: string): { sections: Section[]; malformed: string[] } {
  const lines = markdown.split('\n');
  const sections: Section[] = [];
  const malformed: string[] = [];
  let current: Section | undefined;
  let fenced = false;
  lines.forEach((line, index) => {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced || !/^#{1,6}\s/.test(line)) {
      if (current) current.body += `${line}\n`;
      return;
    }
    const heading = OPERATION_HEADING.exec(line);
    if (heading) sections.push((current = { operation: `${heading[1]} ${heading[2]}`, line: index + 1, body: '' }));
    else {
      if (LOOKS_LIKE_AN_OPERATION.test(line)) malformed.push(`${DOC_PATH}:${index + 1}: ${line}`);
      current = undefined;
    }
  });
  return { sections, malformed };
}

/** The problems a section names on its "Problems:" line(s). */
const namedProblems = (body: string) =>
  body
    .split('\n')
    .filter((line) => line.startsWith('Problems:'))
    .flatMap((line) => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));

type OpenApi = {
  paths: Record<string, Record<string, { 'x-min-role'?: string; responses: Record<string, { 'x-problem-types'?: string[] }> }>>;
};

describe(`${DOC_PATH} and the served API`, () => {
  let server: HttpServer;
  let openapi: OpenApi;
  const { sections, malformed } = operationSections(doc);
  const documented = new Map(sections.map((s) => [s.operation, s]));

  beforeAll(async () => {
    // The real route table and HTTP server; the OpenAPI document needs no database.
    server = serverWithoutData();
    const { port } = await server.listen(0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    openapi = (await res.json()) as OpenApi;
  });
  afterAll(async () => {
    await server?.shutdown(1000);
  });

  const served = () =>
    Object.entries(openapi.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

  it('writes every operation heading the one recognisable way: ### `METHOD /path`', () => {
    expect(malformed, 'headings naming an operation in another form').toEqual([]);
    expect(sections.length).toBeGreaterThan(0);
    const seen = sections.map((s) => s.operation);
    expect(
      seen.filter((op, i) => seen.indexOf(op) !== i),
      'operations documented twice',
    ).toEqual([]);
  });

  it('documents every operation the service serves', () => {
    const missing = served().filter((op) => !documented.has(op));
    expect(missing, `served (GET /api/v1/openapi.json) but without a heading in ${DOC_PATH}`).toEqual([]);
    // The document is built from the route table: nothing routed is missing from it.
    expect(served().length).toBe(OPERATIONS.length);
  });

  it('documents no operation the service does not serve', () => {
    const servedOps = new Set(served());
    const extra = sections.filter((s) => !servedOps.has(s.operation)).map((s) => `${DOC_PATH}:${s.line}: ${s.operation}`);
    expect(extra, 'documented, but the service has no such operation').toEqual([]);
  });

  it('says who may call each operation, as its spec does', () => {
    for (const { operation, body } of sections) {
      const [method, path] = operation.split(' ') as [string, string];
      const role = openapi.paths[path]?.[method.toLowerCase()]?.['x-min-role'];
      if (!role) expect(body, `${operation}: needs no identity`).toMatch(/\bno identity\b/i);
      else
        expect(body.split('\n').find((l) => l.trim()) ?? '', `${operation}: the first line names the role`).toMatch(
          new RegExp(`^${role}\\b`),
        );
    }
  });

  it('names, per operation, only problems that it can answer, and every problem its spec adds', () => {
    for (const { operation, body } of sections) {
      const [method, path] = operation.split(' ') as [string, string];
      const entry = openapi.paths[path]?.[method.toLowerCase()];
      if (!entry) continue; // reported above
      const answerable = Object.values(entry.responses).flatMap((r) =>
        (r['x-problem-types'] ?? []).map((t) => t.slice(PROBLEM_BASE.length)),
      );
      const named = namedProblems(body);
      expect(
        named.filter((slug) => !Object.hasOwn(PROBLEMS, slug)),
        `${operation}: not in lib/problems.ts`,
      ).toEqual([]);
      expect(
        named.filter((slug) => !answerable.includes(slug)),
        `${operation}: not among its x-problem-types`,
      ).toEqual([]);
      const spec = OPERATIONS.find((o) => o.spec.method === method && o.spec.path === path)!.spec;
      expect(
        spec.problems.filter((slug) => !named.includes(slug)),
        `${operation}: problems its spec declares, missing from its "Problems:" line`,
      ).toEqual([]);
    }
  });

  it('lists the problem catalog of lib/problems.ts, slug, status, title and when, in its order', () => {
    const section = doc.slice(doc.indexOf('\n## Problems\n'));
    expect(section.length).toBeLessThan(doc.length);
    const rows = [...section.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \| ([^|]+) \| (.+) \|$/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3]!.trim(),
      m[4]!.trim(),
    ]);
    expect(rows).toEqual(Object.entries(PROBLEMS).map(([slug, p]) => [slug, p.status, p.title, p.when]));
  });

  it('names problems elsewhere only by slugs that exist, with their own status', () => {
    for (const [, slug] of doc.matchAll(/\/problems\/([a-z-]+)/g)) expect(Object.hasOwn(PROBLEMS, slug!), slug).toBe(true);
    // "`409 invalid-transition`": the status must be that problem's.
    for (const [, status, slug] of doc.matchAll(/`(\d{3}) ([a-z]+(?:-[a-z]+)*)`/g)) {
      expect(Object.hasOwn(PROBLEMS, slug!), slug).toBe(true);
      expect(PROBLEMS[slug as keyof typeof PROBLEMS].status, slug).toBe(Number(status));
    }
  });
});
