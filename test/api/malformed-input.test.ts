// What the API does with input it must refuse or must keep exactly: bad JSON,
// wrong content types and field types, oversized values, SQL-looking and
// Unicode text, control characters, bodies over the limit, bad query values
// and bad If-Match. Every refusal is a problem+json that leaks nothing and
// changes nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  createAction,
  ENGINES,
  expectProblem,
  startApp,
  storedState,
  uniqueWord,
  type CallOptions,
  type Reply,
  type TestApp,
} from '../support/app';

const MiB = 1024 * 1024;
const EMOJI = '😀'; // one code point, two UTF-16 units, four UTF-8 bytes
const codePoints = (s: string) => [...s].length;
const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe.each(ENGINES)('malformed input on %s', (engine) => {
  let app: TestApp;
  /** An action every refused write below aims at; it must never change. */
  let target: { id: number; version: number };
  beforeAll(async () => {
    app = await startApp(engine);
    target = await createAction(app, { description: 'the target of refused writes', owner: 'bob', tags: ['target'] });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Sends a request that must be refused with `status`, and proves nothing stored changed. */
  async function expectRefused(status: number, method: string, path: string, options: CallOptions = {}) {
    const before = await storedState(app);
    const res = await app.call(method, path, options);
    const problem = expectProblem(res, status);
    expect(await storedState(app)).toEqual(before);
    return problem;
  }

  /** The distinct fields a problem names. */
  const paths = (problem: { errors?: { path: string }[] }) => [...new Set((problem.errors ?? []).map((e) => e.path))];

  /** The three JSON-body writes, aimed at the target action. */
  const WRITES = [
    { name: 'create', method: 'POST', path: () => '/api/v1/actions' },
    { name: 'edit', method: 'PATCH', path: () => `/api/v1/actions/${target.id}` },
    { name: 'status change', method: 'POST', path: () => `/api/v1/actions/${target.id}/status` },
  ];

  // ------------------------------------------------------------- bad JSON

  describe('bad JSON', () => {
    const MALFORMED = [
      ['truncated', '{"title": "Rotate'],
      ['trailing garbage', '{"title":"Rotate"} trailing'],
      ['an extra brace', '{"title":"Rotate"}}'],
      ['two objects', '{"title":"a"}{"title":"b"}'],
      ['single quotes', "{'title':'Rotate'}"],
      ['an unquoted key', '{title:"Rotate"}'],
      ['a trailing comma', '{"title":"Rotate",}'],
      ['NaN', '{"title":NaN}'],
      ['an empty body', ''],
      ['only white space', '   \n'],
    ];
    const NOT_AN_OBJECT = [
      ['a string', '"str"'],
      ['null', 'null'],
      ['an array', '[]'],
      ['an array of an object', '[{"title":"Rotate"}]'],
      ['a number', '42'],
      ['true', 'true'],
    ];

    for (const write of WRITES) {
      it.each(MALFORMED)(`refuses ${write.name} with %s as malformed JSON (400)`, async (_, body) => {
        const problem = await expectRefused(400, write.method, write.path(), { body, headers: { 'content-type': 'application/json' } });
        expect(problem.type).toMatch(/malformed-json$/);
      });

      it.each(NOT_AN_OBJECT)(`refuses ${write.name} with %s for a body (400 naming the body)`, async (_, body) => {
        const problem = await expectRefused(400, write.method, write.path(), { body, headers: { 'content-type': 'application/json' } });
        expect(paths(problem)).toContain('body');
      });
    }
  });

  // --------------------------------------------------------- content type

  describe('content type', () => {
    const UNSUPPORTED = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/xml',
      'application/jsonx',
      'application/octet-stream',
      'json',
    ];

    for (const write of WRITES) {
      it.each(UNSUPPORTED)(`refuses ${write.name} sent as %s with 415`, async (contentType) => {
        await expectRefused(415, write.method, write.path(), {
          body: '{"title":"Rotate","status":"blocked"}',
          headers: { 'content-type': contentType },
        });
      });

      it(`refuses ${write.name} without a content type with 415`, async () => {
        const before = await storedState(app);
        const res = await fetch(app.baseUrl + write.path(), {
          method: write.method,
          headers: { 'x-user': 'mia', 'x-role': 'member' },
          // A byte body: fetch adds no Content-Type of its own.
          body: new TextEncoder().encode('{"title":"Rotate","status":"blocked"}'),
        });
        app.expectConforming(write.method, write.path(), { status: res.status, headers: res.headers, text: await res.clone().text() });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.status).toBe(415);
        expect(await storedState(app)).toEqual(before);
      });

      it(`refuses ${write.name} without any body with 415`, async () => {
        await expectRefused(415, write.method, write.path(), {});
      });
    }

    it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'])(
      'accepts a body sent as %s',
      async (contentType) => {
        const res = await app.call('POST', '/api/v1/actions', { body: '{"title":"Rotate"}', headers: { 'content-type': contentType } });
        expect(res.status, res.text).toBe(201);
      },
    );
  });

  // --------------------------------------------------------- field types

  describe('wrong types per field', () => {
    const CREATE_CASES: [string, unknown][] = [
      ['title', 5],
      ['title', null],
      ['title', true],
      ['title', []],
      ['title', { text: 'Rotate' }],
      ['description', 5],
      ['description', ['a']],
      ['description', { text: 'a' }],
      ['priority', 'urgent'],
      ['priority', 'HIGH'],
      ['priority', 1],
      ['priority', null],
      ['owner', 5],
      ['owner', ['alice']],
      ['component', true],
      ['component', { name: 'rds' }],
      ['tags', 'prod'],
      ['tags', [5]],
      ['tags', [null]],
      ['tags', [['prod']]],
      ['tags', { prod: true }],
      ['tags', null],
    ];

    it.each(CREATE_CASES)('refuses creating with %s = %j (400 naming the field, not "is required")', async (field, value) => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'Rotate', [field]: value } });
      const errors = problem.errors!.filter((e) => e.path === field || e.path.startsWith(`${field}.`));
      expect(errors.length, JSON.stringify(problem.errors)).toBeGreaterThan(0);
      for (const error of errors) expect(error.message).not.toBe('is required');
    });

    it('says a missing title "is required"', async () => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { description: 'no title' } });
      expect(problem.errors).toEqual([{ path: 'title', message: 'is required' }]);
    });

    it('lists every field at fault in one answer', async () => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 5, priority: 'urgent', tags: 'prod' } });
      expect(paths(problem).sort()).toEqual(['priority', 'tags', 'title']);
    });

    it.each([
      ['title', null],
      ['title', ''],
      ['title', '   '],
      ['title', 7],
      ['priority', null],
      ['tags', null],
      ['tags', 'prod'],
      ['owner', 5],
      ['description', false],
      ['component', []],
    ])('refuses editing %s to %j with 400 naming it', async (field, value) => {
      const problem = await expectRefused(400, 'PATCH', `/api/v1/actions/${target.id}`, { body: { [field]: value } });
      expect(paths(problem)).toContain(field);
    });

    it('refuses a status change without a status, naming it', async () => {
      const problem = await expectRefused(400, 'POST', `/api/v1/actions/${target.id}/status`, { body: { note: 'why' } });
      expect(paths(problem)).toEqual(['status']);
    });

    it.each([
      ['status', { status: 5 }],
      ['status', { status: 'RESOLVED', resolution_notes: 'done' }],
      ['status', { status: null }],
      ['resolution_notes', { status: 'resolved', resolution_notes: 5 }],
      ['resolution_notes', { status: 'resolved', resolution_notes: ['done'] }],
      ['note', { status: 'blocked', note: 5 }],
      ['note', { status: 'blocked', note: { why: 'x' } }],
    ])('refuses a status change with a bad %s: %j', async (field, body) => {
      const problem = await expectRefused(400, 'POST', `/api/v1/actions/${target.id}/status`, { body });
      const error = problem.errors!.find((e) => e.path === field);
      expect(error, JSON.stringify(problem.errors)).toBeDefined();
      expect(error!.message).not.toBe('is required');
    });

    it.each([
      ['create', 'POST', () => '/api/v1/actions', { title: 'Rotate', foo: 1, evil: 'x' }],
      ['edit', 'PATCH', () => `/api/v1/actions/${target.id}`, { owner: 'alice', foo: 1, evil: 'x' }],
      ['status change', 'POST', () => `/api/v1/actions/${target.id}/status`, { status: 'blocked', foo: 1, evil: 'x' }],
    ])('refuses unknown fields in a %s with 400 naming them', async (_, method, path, body) => {
      const problem = await expectRefused(400, method, path(), { body });
      const named = paths(problem).join(',');
      expect(named).toContain('foo');
      expect(named).toContain('evil');
    });
  });

  // ------------------------------------------------------------- sizes

  describe('sizes, counted in code points after trimming', () => {
    it('accepts a title of 200 characters and refuses 201', async () => {
      const ok = await app.call('POST', '/api/v1/actions', { body: { title: 'a'.repeat(200) } });
      expect(ok.status).toBe(201);
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'a'.repeat(201) } });
      expect(paths(problem)).toEqual(['title']);
    });

    it('accepts a title of 200 emoji (400 UTF-16 units) and returns it exactly', async () => {
      const title = EMOJI.repeat(200);
      expect(title.length).toBe(400);
      const res = await app.call('POST', '/api/v1/actions', { body: { title } });
      expect(res.status, res.text).toBe(201);
      expect(res.body.title).toBe(title);
      expect((await app.call('GET', `/api/v1/actions/${res.body.id}`)).body.title).toBe(title);
    });

    it.each([
      ['200 emoji and a letter', `${EMOJI.repeat(200)}a`],
      ['201 accented letters', 'é'.repeat(201)],
      ['201 CJK characters', '漢'.repeat(201)],
      ['201 letters and a combining accent', `${'e'.repeat(200)}\u0301`],
    ])('refuses a title of %s', async (_, title) => {
      expect(codePoints(title)).toBe(201);
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title } });
      expect(paths(problem)).toEqual(['title']);
    });

    it('measures the title after trimming', async () => {
      const res = await app.call('POST', '/api/v1/actions', { body: { title: `  ${'a'.repeat(200)}\t ` } });
      expect(res.status).toBe(201);
      expect(res.body.title).toBe('a'.repeat(200));
    });

    it('refuses a blank title', async () => {
      await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: ' \t ' } });
    });

    it('accepts a description of 20,000 characters (emoji) and refuses 20,001', async () => {
      const ok = await app.call('POST', '/api/v1/actions', { body: { title: 'Long', description: EMOJI.repeat(20_000) } });
      expect(ok.status).toBe(201);
      expect(codePoints(ok.body.description)).toBe(20_000);
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'Long', description: 'd'.repeat(20_001) } });
      expect(paths(problem)).toEqual(['description']);
      await expectRefused(400, 'PATCH', `/api/v1/actions/${target.id}`, { body: { description: `${EMOJI.repeat(20_000)}x` } });
    });

    it.each(['owner', 'component'])('accepts a %s of 64 characters and refuses 65', async (field) => {
      expect((await app.call('POST', '/api/v1/actions', { body: { title: 'x', [field]: 'ö'.repeat(64) } })).status).toBe(201);
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'x', [field]: 'o'.repeat(65) } });
      expect(paths(problem)).toEqual([field]);
    });

    it('accepts 20 tags and refuses 21', async () => {
      const tags = Array.from({ length: 21 }, (_, i) => `tag${i}`);
      const ok = await app.call('POST', '/api/v1/actions', { body: { title: 'x', tags: tags.slice(0, 20) } });
      expect(ok.status).toBe(201);
      expect(ok.body.tags).toHaveLength(20);
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'x', tags } });
      expect(paths(problem)).toEqual(['tags']);
      await expectRefused(400, 'PATCH', `/api/v1/actions/${target.id}`, { body: { tags } });
    });

    it('accepts a tag of 32 characters and refuses 33', async () => {
      expect((await app.call('POST', '/api/v1/actions', { body: { title: 'x', tags: ['t'.repeat(32)] } })).status).toBe(201);
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'x', tags: ['t'.repeat(33)] } });
      expect(paths(problem)).toEqual(['tags.0']);
    });

    it.each([[''], ['   '], ['two words'], ['-leading-dash'], ['semi;colon'], ["quote'"]])('refuses the tag %j', async (tag) => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'x', tags: ['ok', tag] } });
      expect(paths(problem)).toEqual(['tags.1']);
    });

    it('refuses an edit of the title to 201 characters and keeps the old title', async () => {
      const action = await createAction(app, { title: 'Short' });
      await expectRefused(400, 'PATCH', `/api/v1/actions/${action.id}`, { body: { title: 'é'.repeat(201) } });
      expect((await app.call('GET', `/api/v1/actions/${action.id}`)).body).toMatchObject({ title: 'Short', version: 1 });
    });

    it('refuses resolution notes of 20,001 characters and a note of 2,001', async () => {
      const action = await createAction(app);
      const notes = await expectRefused(400, 'POST', `/api/v1/actions/${action.id}/status`, {
        body: { status: 'resolved', resolution_notes: 'n'.repeat(20_001) },
      });
      expect(paths(notes)).toEqual(['resolution_notes']);
      const note = await expectRefused(400, 'POST', `/api/v1/actions/${action.id}/status`, {
        body: { status: 'blocked', note: 'n'.repeat(2_001) },
      });
      expect(paths(note)).toEqual(['note']);
      const ok = await app.call('POST', `/api/v1/actions/${action.id}/status`, {
        body: { status: 'resolved', resolution_notes: EMOJI.repeat(20_000) },
      });
      expect(ok.status).toBe(200);
    });
  });

  // ------------------------------------------------------- SQL-looking text

  describe('SQL-looking text', () => {
    const DROP = "'; DROP TABLE actions; --";
    const TAUTOLOGY = "%' OR 1=1 --";

    it('stores and returns SQL-looking text verbatim', async () => {
      const fields = {
        title: DROP,
        description: "Robert'); DROP TABLE actions;--\n1; DELETE FROM action_events WHERE 1=1",
        owner: TAUTOLOGY,
        component: '" OR ""="',
        tags: ['x--y', 'a/b'],
      };
      const res = await app.call('POST', '/api/v1/actions', { body: fields });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject(fields);
      expect((await app.call('GET', `/api/v1/actions/${res.body.id}`)).body).toMatchObject(fields);
      const edited = await app.call('PATCH', `/api/v1/actions/${res.body.id}`, { body: { title: `${DROP} again`, owner: "admin'--" } });
      expect(edited.body).toMatchObject({ title: `${DROP} again`, owner: "admin'--" });
      const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM actions WHERE id = $1', [res.body.id]);
      expect(rows[0]!.n).toBe(1);
    });

    it('matches an SQL-looking owner exactly, with no wildcard', async () => {
      const tag = uniqueWord('t');
      const tricky = await createAction(app, { owner: TAUTOLOGY, tags: [tag] });
      await createAction(app, { owner: 'alice', tags: [tag] });
      const exact = await app.call('GET', `/api/v1/actions?tag=${tag}&owner=${encodeURIComponent(TAUTOLOGY)}`);
      expect(exact.body.items.map((a: { id: number }) => a.id)).toEqual([tricky.id]);
      for (const owner of ['%', "' OR '1'='1", 'alice%', '_lice']) {
        const res = await app.call('GET', `/api/v1/actions?tag=${tag}&owner=${encodeURIComponent(owner)}`);
        expect(res.status).toBe(200);
        expect(res.body.items, owner).toEqual([]);
      }
    });

    it('treats SQL-looking searches as words, matching nothing else', async () => {
      const tag = uniqueWord('t');
      await createAction(app, { title: 'Rotate the RDS password', tags: [tag] });
      const before = await storedState(app);
      for (const q of [DROP, TAUTOLOGY, "') OR ('1'='1", '*', '" OR ""="', '\\', "1'; SELECT pg_sleep(5); --"]) {
        const res = await app.call('GET', `/api/v1/actions?tag=${tag}&q=${encodeURIComponent(q)}`);
        expect(res.status, q).toBe(200);
        expect(res.body.items, q).toEqual([]);
      }
      expect(await storedState(app)).toEqual(before);
    });

    it('finds an action whose title is an SQL statement by its words', async () => {
      const word = uniqueWord('q');
      const action = await createAction(app, { title: `${word} ${DROP}` });
      const res = await app.call('GET', `/api/v1/actions?q=${encodeURIComponent(`${word} ${DROP}`)}`);
      expect(res.body.items.map((a: { id: number }) => a.id)).toEqual([action.id]);
    });

    it('refuses an SQL-looking tag filter with 400', async () => {
      const problem = await expectRefused(400, 'GET', `/api/v1/actions?tag=${encodeURIComponent("prod' OR '1'='1")}`);
      expect(paths(problem)).toEqual(['tag']);
    });
  });

  // -------------------------------------------------------------- Unicode

  describe('Unicode', () => {
    it.each([
      ['right-to-left Hebrew', 'סובב את סיסמת המאסטר'],
      ['Arabic with a right-to-left mark', 'تدوير كلمة المرور\u200F'],
      ['emoji with ZWJ, skin tone and a flag', '👩🏽‍💻 on call 🇩🇪 🔥'],
      ['a combining accent', 'Cafe\u0301 re\u0301sume\u0301'],
      ['a precomposed accent', 'Café résumé'],
      ['CJK and Hangul', '漢字かなカナ 한국어'],
      ['astral mathematical letters', '𝒜𝓁𝑒𝓇𝓉 𝟙𝟚𝟛'],
      ['a zero-width joiner and no-break space', 'a\u200Db\u00A0c'],
    ])('keeps %s exactly, without normalising', async (_, text) => {
      const tag = uniqueWord('t');
      const owner = [...text].slice(0, 20).join('');
      const res = await app.call('POST', '/api/v1/actions', { body: { title: text, description: `${text}\n${text}`, owner, tags: [tag] } });
      expect(res.status, res.text).toBe(201);
      expect(res.body.title).toBe(text);
      expect(res.body.description).toBe(`${text}\n${text}`);
      const got = (await app.call('GET', `/api/v1/actions/${res.body.id}`)).body;
      expect(got.title).toBe(text);
      expect(got.owner).toBe(owner.trim());
      const listed = (await app.call('GET', `/api/v1/actions?tag=${tag}`)).body.items;
      expect(listed.map((a: { title: string }) => a.title)).toEqual([text]);
    });

    it('keeps composed and decomposed spellings apart', async () => {
      const composed = await createAction(app, { title: 'Café' });
      const decomposed = await createAction(app, { title: 'Cafe\u0301' });
      expect(composed.title).not.toBe(decomposed.title);
      expect((await app.call('GET', `/api/v1/actions/${decomposed.id}`)).body.title).toBe('Cafe\u0301');
    });

    it('lower-cases Unicode tags and filters by owner in Unicode', async () => {
      const owner = `Zoë-${uniqueWord('o')}`;
      const res = await app.call('POST', '/api/v1/actions', {
        body: { title: 'x', owner, component: 'ñandú', tags: ['ÜNÏCÖDÉ', 'ünïcödé', '日本'] },
      });
      expect(res.status).toBe(201);
      expect(res.body.tags).toEqual(['ünïcödé', '日本']);
      const byOwner = await app.call('GET', `/api/v1/actions?owner=${encodeURIComponent(owner)}`);
      expect(byOwner.body.items.map((a: { id: number }) => a.id)).toEqual([res.body.id]);
      const byTag = await app.call('GET', `/api/v1/actions?owner=${encodeURIComponent(owner)}&tag=${encodeURIComponent('ÜNÏCÖDÉ')}`);
      expect(byTag.body.items.map((a: { id: number }) => a.id)).toEqual([res.body.id]);
    });

    it('keeps Unicode in the history of an edit', async () => {
      const action = await createAction(app, { owner: 'Zoë' });
      await app.call('PATCH', `/api/v1/actions/${action.id}`, { body: { owner: 'Łukasz 👍' } });
      const events = (await app.call('GET', `/api/v1/actions/${action.id}/history`)).body.items;
      expect(events.at(-1).changes).toEqual({ owner: ['Zoë', 'Łukasz 👍'] });
    });
  });

  // ---------------------------------------------------- control characters

  describe('NUL and control characters', () => {
    const ONE_LINE_BAD = [
      ['NUL', 'a\u0000b'],
      ['a lone NUL', '\u0000'],
      ['BEL', 'a\u0007b'],
      ['an ANSI escape', '\u001b[31mred'],
      ['DEL', 'a\u007fb'],
      ['the C1 control CSI', 'a\u009bb'],
      ['NEL', 'a\u0085b'],
      ['a line feed', 'a\nb'],
      ['a carriage return', 'a\rb'],
      ['a line separator', 'a\u2028b'],
      ['a paragraph separator', 'a\u2029b'],
    ];

    it.each(ONE_LINE_BAD)('refuses a title with %s', async (_, title) => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title } });
      expect(paths(problem)).toEqual(['title']);
    });

    it.each(ONE_LINE_BAD)('refuses an owner and a component with %s', async (_, value) => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'x', owner: value, component: value } });
      expect(paths(problem).sort()).toEqual(['component', 'owner']);
    });

    it.each(ONE_LINE_BAD.slice(0, 7))('refuses a description with %s', async (_, description) => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'x', description } });
      expect(paths(problem)).toEqual(['description']);
    });

    it('refuses NUL sent as a JSON escape', async () => {
      const problem = await expectRefused(400, 'POST', '/api/v1/actions', {
        body: '{"title":"ok","description":"before\\u0000after"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(paths(problem)).toEqual(['description']);
    });

    it('accepts line breaks in a description', async () => {
      const description = 'line one\nline two\r\nline three';
      const res = await app.call('POST', '/api/v1/actions', { body: { title: 'x', description } });
      expect(res.status).toBe(201);
      expect(res.body.description).toBe(description);
    });

    it('refuses control characters in tags, resolution notes and notes', async () => {
      await expectRefused(400, 'POST', '/api/v1/actions', { body: { title: 'x', tags: ['a\u0000'] } });
      await expectRefused(400, 'POST', `/api/v1/actions/${target.id}/status`, {
        body: { status: 'resolved', resolution_notes: 'done\u0000' },
      });
      await expectRefused(400, 'POST', `/api/v1/actions/${target.id}/status`, { body: { status: 'blocked', note: 'why\u0007' } });
    });

    it('refuses an edit with NUL and keeps the action as it was', async () => {
      await expectRefused(400, 'PATCH', `/api/v1/actions/${target.id}`, { body: { title: 'a\u0000b' } });
      await expectRefused(400, 'PATCH', `/api/v1/actions/${target.id}`, { body: { owner: 'bob\nalice' } });
    });

    it.each([
      ['q', '%00'],
      ['q', 'a%07b'],
      ['owner', 'a%0Ab'],
      ['owner', '%00'],
      ['component', 'x%1B'],
    ])('refuses the query %s=%s', async (name, value) => {
      const problem = await expectRefused(400, 'GET', `/api/v1/actions?${name}=${value}`);
      expect(paths(problem)).toEqual([name]);
    });
  });

  // --------------------------------------------------------- body limit

  describe('body over the 1 MiB limit', () => {
    async function rawWrite(method: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
      const res = await fetch(app.baseUrl + path, {
        method,
        headers: { 'x-user': 'mia', 'x-role': 'member', 'content-type': 'application/json', ...headers },
        body,
      });
      const text = await res.text();
      app.expectConforming(method, path, { status: res.status, headers: res.headers, text });
      return {
        status: res.status,
        headers: res.headers,
        text,
        body: /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined,
      };
    }

    it('refuses a 2 MiB create with 413 and stores nothing', async () => {
      const before = await storedState(app);
      const body = JSON.stringify({ title: 'Big', description: 'd'.repeat(2 * MiB) });
      const res = await rawWrite('POST', '/api/v1/actions', body, { 'x-request-id': 'big-body-1' });
      expectProblem(res, 413);
      expect(res.headers.get('x-request-id')).toBe('big-body-1');
      expect(await storedState(app)).toEqual(before);
    });

    it('refuses a 2 MiB edit and a 2 MiB status change with 413 and changes nothing', async () => {
      const before = await storedState(app);
      expectProblem(await rawWrite('PATCH', `/api/v1/actions/${target.id}`, JSON.stringify({ description: 'd'.repeat(2 * MiB) })), 413);
      expectProblem(
        await rawWrite(
          'POST',
          `/api/v1/actions/${target.id}/status`,
          JSON.stringify({ status: 'resolved', resolution_notes: 'n'.repeat(2 * MiB) }),
        ),
        413,
      );
      expect(await storedState(app)).toEqual(before);
    });

    it('accepts a body of exactly 1 MiB and refuses one byte more', async () => {
      const json = '{"title":"Exactly one mebibyte"}';
      const exact = json + ' '.repeat(MiB - json.length);
      expect(Buffer.byteLength(exact)).toBe(MiB);
      expect((await rawWrite('POST', '/api/v1/actions', exact)).status).toBe(201);
      const before = await storedState(app);
      expectProblem(await rawWrite('POST', '/api/v1/actions', `${exact} `), 413);
      expect(await storedState(app)).toEqual(before);
    });

    it('counts bytes, not characters: 300,000 emoji are over the limit', async () => {
      const before = await storedState(app);
      expectProblem(await rawWrite('POST', '/api/v1/actions', JSON.stringify({ title: 'x', description: EMOJI.repeat(300_000) })), 413);
      expect(await storedState(app)).toEqual(before);
    });
  });

  // -------------------------------------------------------- query values

  describe('query values', () => {
    it.each([
      ['limit', 'limit=0'],
      ['limit', 'limit=201'],
      ['limit', 'limit=abc'],
      ['limit', 'limit=-1'],
      ['limit', 'limit=1.5'],
      ['limit', 'limit='],
      ['cursor', 'cursor=not-a-cursor!'],
      ['cursor', 'cursor='],
      ['cursor', `cursor=${'A'.repeat(300)}`],
      ['cursor', `cursor=${cursorOf('urgent|2026-01-01T00:00:00.000Z|1')}`],
      ['cursor', `cursor=${cursorOf('high|yesterday|1')}`],
      ['cursor', `cursor=${cursorOf('high|2026-01-01T00:00:00.000Z|0')}`],
      ['cursor', `cursor=${cursorOf('high|2026-01-01T00:00:00.000Z|1|extra')}`],
      ['cursor', `cursor=${cursorOf("high|2026-01-01T00:00:00.000Z|1'; DROP TABLE actions; --")}`],
      ['status', 'status=done'],
      ['status', 'status='],
      ['status', 'status=OPEN'],
      ['priority', 'priority=urgent'],
      ['include_closed', 'include_closed=yes'],
      ['include_closed', 'include_closed=1'],
      ['tag', 'tag=two%20words'],
      ['tag', `tag=${'t'.repeat(33)}`],
      ['owner', 'owner='],
      ['owner', `owner=${'o'.repeat(65)}`],
      ['q', `q=${'q'.repeat(501)}`],
    ])('refuses %s in ?%s with 400 naming it', async (name, query) => {
      const problem = await expectRefused(400, 'GET', `/api/v1/actions?${query}`);
      expect(
        paths(problem).some((p) => p === name || p.startsWith(`${name}.`)),
        JSON.stringify(problem.errors),
      ).toBe(true);
    });

    it.each([
      ['q', 'q=%zz'],
      ['q', 'q=%E2%82'],
      ['owner', 'owner=%'],
      ['component', 'component=abc%2'],
    ])('refuses bad percent-encoding of %s (?%s) with 400', async (name, query) => {
      const problem = await expectRefused(400, 'GET', `/api/v1/actions?${query}`);
      expect(paths(problem)).toContain(name);
    });

    it.each([
      ['foo', '/api/v1/actions?foo=1'],
      ['sort', '/api/v1/actions?status=open&sort=id'],
      ['Status', '/api/v1/actions?Status=open'],
      ['offset', '/api/v1/actions?offset=10'],
      ['expand', '/api/v1/actions/{id}?expand=evidence'],
      ['since', '/api/v1/actions/{id}/history?since=1'],
      ['foo', '/api/v1/deletions?foo=1'],
    ])('refuses the unknown query parameter %s with 400 naming it', async (name, path) => {
      const problem = await expectRefused(400, 'GET', path.replace('{id}', String(target.id)));
      expect(paths(problem).join(',')).toContain(name);
    });

    it('refuses unknown query parameters on writes and writes nothing', async () => {
      await expectRefused(400, 'POST', '/api/v1/actions?dry_run=true', { body: { title: 'x' } });
      await expectRefused(400, 'PATCH', `/api/v1/actions/${target.id}?force=true`, { body: { owner: 'alice' } });
      await expectRefused(400, 'POST', `/api/v1/actions/${target.id}/status?force=true`, { body: { status: 'blocked' } });
      await expectRefused(400, 'DELETE', `/api/v1/actions/${target.id}?force=true`, { as: as.admin });
    });

    it.each(['limit=0', 'limit=501', 'limit=many'])('refuses ?%s on the deletions list', async (query) => {
      const problem = await expectRefused(400, 'GET', `/api/v1/deletions?${query}`);
      expect(paths(problem)).toContain('limit');
    });
  });

  // ------------------------------------------------------------ If-Match

  describe('If-Match', () => {
    const BAD = ['abc', '"x"', '"1', '1"', 'W/"x"', '""', '"-1"', "'1'", '"1.0"'];

    it.each(BAD)('refuses an edit with If-Match %s as 400 naming If-Match', async (value) => {
      const problem = await expectRefused(400, 'PATCH', `/api/v1/actions/${target.id}`, {
        body: { owner: 'alice' },
        headers: { 'if-match': value },
      });
      expect(paths(problem)).toEqual(['If-Match']);
    });

    it.each(BAD)('refuses a status change with If-Match %s as 400', async (value) => {
      await expectRefused(400, 'POST', `/api/v1/actions/${target.id}/status`, {
        body: { status: 'blocked' },
        headers: { 'if-match': value },
      });
    });

    it('tells a stale version (412) from a malformed one (400)', async () => {
      const before = await storedState(app);
      const stale = await app.call('PATCH', `/api/v1/actions/${target.id}`, {
        body: { owner: 'alice' },
        headers: { 'if-match': `"${target.version + 5}"` },
      });
      expectProblem(stale, 412);
      expect(stale.headers.get('etag')).toBe(`"${target.version}"`);
      expect(await storedState(app)).toEqual(before);
    });
  });

  it('left the target action exactly as it was created', async () => {
    const res = await app.call('GET', `/api/v1/actions/${target.id}`);
    expect(res.body).toEqual({ ...target, evidence: [] });
    expect((await app.call('GET', `/api/v1/actions/${target.id}/history`)).body.items).toHaveLength(1);
  });
});
