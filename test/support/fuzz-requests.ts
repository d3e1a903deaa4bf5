// Hostile requests, as fast-check arbitraries (the fuzz of
// test/reliability/fuzz.test.ts). A generated request is a description:
// the route it aims at, its method, path, query, headers and body, and the
// identity it claims for one identity mode. Secrets and signatures are not in
// it: they are made when the request is sent (./fuzz.ts), so a printed
// request replays with the same seed, and no secret ends up in a report.
import fc from 'fast-check';
import { OPERATIONS } from '../../app/routes';
import { PRIORITIES, STATUSES } from '../../lib/domain/lifecycle';
import { ROLES, type Role } from '../../lib/domain/roles';

export type ModeName = 'trusted-headers' | 'proxy-secret' | 'alb-oidc' | 'api-tokens';
/** The apps of the fuzz, one per AUTH_MODE setting; API tokens are sent to each of them. */
export type AppName = Exclude<ModeName, 'api-tokens'>;
/** How a request reaches the app: an ALB event with its body (a Lambda), with its body as a stream (the container), or a socket. */
export type Seam = 'lambda' | 'stream' | 'socket';
export type HeaderPair = [name: string, value: string];

/** What X-Proxy-Secret carries, relative to the right secret. */
export type SecretVariant = 'right' | 'prefix' | 'longer' | 'case' | 'padded' | 'empty' | 'other' | 'twice';

/** An x-amzn-oidc-data value, described: signed when sent, with the served key or another one. */
export interface OidcToken {
  kid: string;
  key: 'served' | 'stranger';
  signer: 'right' | 'other' | 'absent';
  exp: 'future' | 'skewed' | 'expired' | 'text' | 'absent';
  alg: string;
  padded: boolean;
  claims: Record<string, unknown>;
  mutate:
    'none' | 'tamper-payload' | 'flip-signature' | 'der-signature' | 'short-signature' | 'extra-part' | 'two-parts' | 'bad-char' | 'huge';
  /** Sent instead of a token when set: garbage that is no token at all. */
  raw?: string;
}

/** An Authorization value, described: a real API token of the fuzz (or none) and how it is bent. */
export interface BearerToken {
  token: Role | 'revoked' | 'expired' | 'made-up';
  mutate:
    | 'none'
    | 'char'
    | 'truncate'
    | 'longer'
    | 'lower-scheme'
    | 'two-spaces'
    | 'tab'
    | 'trailing-space'
    | 'no-scheme'
    | 'basic'
    | 'empty'
    | 'other-scheme';
}

export interface IdentityClaim {
  /** Literal identity headers (X-User, X-Role; ignored noise in some modes). */
  headers: HeaderPair[];
  secret?: SecretVariant;
  /** One token, or two (ambiguous). */
  oidc?: OidcToken[];
  bearer?: BearerToken[];
}

export type BodySpec =
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; base64: string }
  /** `open` repeated `depth` times, a value, then the matching closers. */
  | { kind: 'deep'; depth: number; open: '[' | '{"a":' }
  /** A JSON string of `bytes` bytes: above MAX_JSON_BODY_BYTES. */
  | { kind: 'huge'; bytes: number }
  | { kind: 'multipart'; boundary: string; parts: MultipartPart[]; ending: 'proper' | 'missing' | 'no-crlf' | 'garbage-after' | 'cut' }
  /** Raw evidence bytes: `size` bytes of `fill`. */
  | { kind: 'file'; size: number; fill: number };

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  extraHeader?: HeaderPair;
  /** Small content, or `size` bytes made when sent (above EVIDENCE_MAX_BYTES, say). */
  content: string | { size: number };
}

/** A hostile request, described. */
export interface FuzzRequest {
  mode: ModeName;
  app: AppName;
  seam: Seam;
  method: string;
  /** The route template aimed at, or a label for what no route takes. */
  route: string;
  /** Raw request target: path and query as sent, nothing encoded for it. */
  target: string;
  identity: IdentityClaim;
  headers: HeaderPair[];
  /** What Content-Length says where the body is in the event or a stream; a socket always sends the true one. */
  length: 'true' | 'absent' | string;
  body: BodySpec;
}

/** Ids the fuzz world has (or will have): requests aim at them as well as at ids that name nothing. */
export interface FuzzTargets {
  /** Actions 1..n exist or will (seeded, then created by accepted requests). */
  maxActionId: number;
  maxEvidenceId: number;
  /** Token ids that exist but name no token in use (revoked, expired): live ones are kept out, so that tokens keep working. */
  spentTokenIds: number[];
  /** EVIDENCE_MAX_BYTES of the fuzz apps. */
  evidenceMaxBytes: number;
  /** MAX_JSON_BODY_BYTES of the fuzz apps. */
  jsonMaxBytes: number;
}

// ------------------------------------------------------------------ text

const INVISIBLE_AND_BIDI = [
  '\u200b\u200b\u200b',
  '\u200b',
  '\u2060\ufeff\u200d',
  '\u00ad',
  '\u202egnp.exe',
  '\u202dx\u202c',
  '\u2066x\u2069',
  '\u200e\u200f',
  '\u061c',
];
const CONTROL = ['a\u0000b', '\u0000', 'x\u0007', '\u001b[31mred', 'line\nbreak', 'tab\there', '\r\n', '\u0085', '\u2028', 'del\u007f'];
const SURROGATES = ['x\ud800y', '\udc00', '\ud83d', '\ud83d\ud83d', 'a\udfffb'];
const ODD = [
  'e\u0301',
  '😀😀😀',
  'ǅ',
  'İ',
  'ß',
  'ﬁ',
  'DROP TABLE actions;--',
  "' OR 1=1 --",
  '%00',
  '%2e%2e/',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '0',
  '-0',
  '1e309',
];
const PLAIN = ['Rotate keys', 'ok', 'Patch web-1', '  padded  ', 'x', 'alice', 'prod', 'db'];

/** `arbitrary` in `percent` of the values, `undefined` otherwise. */
function maybe<T>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary, weight: percent }, { arbitrary: fc.constant(undefined), weight: 100 - percent });
}

const loneSurrogateUnit = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Text a person, a script or an attacker might send for a string field. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...PLAIN), weight: 4 },
  { arbitrary: fc.constantFrom(...INVISIBLE_AND_BIDI), weight: 3 },
  { arbitrary: fc.constantFrom(...CONTROL), weight: 2 },
  { arbitrary: fc.constantFrom(...SURROGATES), weight: 2 },
  { arbitrary: fc.constantFrom(...ODD), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.oneof(loneSurrogateUnit, fc.constantFrom('a', ' ', '\u200b')), maxLength: 8 }), weight: 1 },
  // At and around the limits (title 200, owner 64, tag 32, notes 20,000) and far beyond them.
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(31, 32, 33, 63, 64, 65, 199, 200, 201, 2000, 2001, 20000, 20001, 70000),
        fc.constantFrom('x', '😀', ' ', '\u200b'),
      )
      .map(([n, c]) => c.repeat(n)),
    weight: 1,
  },
);

/** Any JSON value of another type than a string field expects. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const textOrWrong = fc.oneof({ arbitrary: hostileText, weight: 5 }, { arbitrary: wrongType, weight: 1 });

/** An enum field: its values, other spellings of them, and garbage. */
const enumish = (values: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...values), weight: 5 },
    { arbitrary: fc.constantFrom(...values).map((v) => v.toUpperCase()), weight: 1 },
    { arbitrary: fc.constantFrom(...values).map((v) => ` ${v}`), weight: 1 },
    { arbitrary: fc.constantFrom(...values).map((v) => `${v}\u200b`), weight: 1 },
    { arbitrary: textOrWrong, weight: 1 },
  );

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

// ------------------------------------------------------------------ bodies

/** A body its route accepts (given the right action and role): the base that mutations bend. */
function validBody(route: string): fc.Arbitrary<Record<string, unknown>> {
  switch (route) {
    case '/api/v1/actions':
    case '/api/v1/actions/{id}':
      return fc.record(
        {
          title: fc.constantFrom('Rotate keys', 'Patch web-1', 'Renew the TLS certificate 😀', 'Résoudre DNS'),
          description: fc.constantFrom('Why and how.\nStep 2.', '', null),
          priority: fc.constantFrom(...PRIORITIES),
          owner: fc.constantFrom('alice', 'bob@example.com', null),
          component: fc.constantFrom('rds', 'vpc/eu-west-1', null),
          tags: fc.constantFrom([], ['prod'], ['db:main', 'PROD', 'prod']),
        },
        { requiredKeys: route === '/api/v1/actions' ? ['title'] : [] },
      );
    case '/api/v1/actions/{id}/status':
      return fc.oneof(
        fc.record(
          { status: fc.constantFrom('open', 'in_progress', 'blocked'), note: fc.constantFrom('why', 'reopened after review') },
          { requiredKeys: ['status'] },
        ),
        fc.record({
          status: fc.constantFrom('resolved', 'closed'),
          resolution_notes: fc.constantFrom('Done', 'Rotated; old key revoked.'),
        }),
      );
    case '/api/v1/tokens':
      return fc.record(
        {
          name: fc.constantFrom('deploy-bot', 'ci', 'nightly.job', 'terraform_apply'),
          role: fc.constantFrom(...ROLES),
          expires_at: fc.constantFrom('2999-01-01T00:00:00Z', '2999-06-30T12:00:00+02:00', null),
        },
        { requiredKeys: ['name', 'role'] },
      );
    case '/api/v1/actions/{id}/evidence/uploads':
      return fc.record(
        {
          filename: fc.constantFrom('plan.json', 'dump.gz'),
          size_bytes: fc.integer({ min: 1, max: 10_000 }),
          content_type: fc.constant('application/json'),
        },
        { requiredKeys: ['filename', 'size_bytes'] },
      );
    default:
      return fc.dictionary(fc.string({ maxLength: 8 }), textOrWrong, { maxKeys: 3 });
  }
}

/** The field names a route's body has, for mutations to aim at. */
const FIELDS: Record<string, string[]> = {
  '/api/v1/actions': ['title', 'description', 'priority', 'owner', 'component', 'tags'],
  '/api/v1/actions/{id}': ['title', 'description', 'priority', 'owner', 'component', 'tags'],
  '/api/v1/actions/{id}/status': ['status', 'resolution_notes', 'note'],
  '/api/v1/tokens': ['name', 'role', 'expires_at'],
  '/api/v1/actions/{id}/evidence/uploads': ['filename', 'size_bytes', 'content_type', 'sha256'],
};

type Mutation =
  { op: 'set'; field: string; value: unknown } | { op: 'drop'; field: string } | { op: 'extra'; field: string; value: unknown };

/** What a field may be set to: hostile text, another type, other spellings of an enum, values at and past the limits. */
function hostileValue(field: string): fc.Arbitrary<unknown> {
  switch (field) {
    case 'priority':
      return enumish(PRIORITIES);
    case 'status':
      return enumish(STATUSES);
    case 'role':
      return enumish(ROLES);
    case 'tags':
      return fc.oneof(
        fc.array(fc.oneof(hostileText, fc.constantFrom('prod', 'PROD', 'db:main', '-x', 'a/b', 'x'.repeat(33))), { maxLength: 24 }),
        wrongType,
      );
    case 'name':
      return fc.oneof(fc.constantFrom('a'.repeat(48), 'a'.repeat(49), 'token:x', 'has space', 'ci', ''), textOrWrong);
    case 'expires_at':
      return fc.oneof(
        fc.constantFrom(
          '2020-01-01T00:00:00Z',
          'tomorrow',
          '2999-02-30T00:00:00Z',
          '+275760-09-13T00:00:00Z',
          '2999-01-01',
          '',
          '2999-01-01T00:00:00Z\u0000',
        ),
        wrongType,
      );
    case 'size_bytes':
      return fc.oneof(fc.constantFrom(0, -1, 1.5, 2 ** 53, 1e308, '10'), wrongType);
    case 'sha256':
      return fc.oneof(fc.constantFrom('0'.repeat(64), 'g'.repeat(64), 'A'.repeat(64), '0'.repeat(63), ''), wrongType);
    case 'filename':
      return fc.oneof(hostileFilename, wrongType);
    default:
      return textOrWrong;
  }
}

function mutation(route: string): fc.Arbitrary<Mutation> {
  const fields = FIELDS[route] ?? ['title'];
  return fc.oneof(
    {
      arbitrary: fc.constantFrom(...fields).chain((field) => hostileValue(field).map((value): Mutation => ({ op: 'set', field, value }))),
      weight: 6,
    },
    { arbitrary: fc.constantFrom(...fields).map((field): Mutation => ({ op: 'drop', field })), weight: 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...POLLUTION_KEYS, 'id', 'version', 'status', 'created_by', 'role', 'evidence', 'token'), wrongType)
        .map(([field, value]): Mutation => ({ op: 'extra', field, value })),
      weight: 1,
    },
  );
}

/** A valid body bent by none, one or a few mutations: most reach the checks behind the first one. */
function nearValidBody(route: string): fc.Arbitrary<Record<string, unknown>> {
  const mutations = fc.oneof(
    { arbitrary: fc.constant<Mutation[]>([]), weight: 3 },
    { arbitrary: fc.array(mutation(route), { minLength: 1, maxLength: 1 }), weight: 5 },
    { arbitrary: fc.array(mutation(route), { minLength: 2, maxLength: 4 }), weight: 2 },
  );
  return fc.tuple(validBody(route), mutations).map(([base, ms]) => {
    const out: Record<string, unknown> = { ...base };
    for (const m of ms) {
      if (m.op === 'drop') delete out[m.field];
      // Defined as an own property, as JSON.parse makes `__proto__` and the like.
      else Object.defineProperty(out, m.field, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  });
}

const INVALID_JSON = [
  '{',
  '{"title": ',
  '{"title":"x",}',
  "{'title':'x'}",
  'NaN',
  '{"title":"x"}garbage',
  '\ufeff{"title":"x"}',
  '{"title":"x" /* c */}',
  '',
  ' ',
  'null',
  '[]',
  '"\\ud800"',
  '{"title":"\\u0000"}',
  '{"title":"\\x41"}',
  '{"title":1e999}',
  '{"title":"a","title":"b"}',
  '{"title":"Rotate","__proto__":{"role":"admin","isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":1}},"title":"Rotate"}',
  '{"title":"Rotate","priority":"high","__proto__":null}',
  '{"title":"\\ud800\\udc00"}',
  '{"title":"\\udc00\\ud800"}',
  '{"status":"resolved","resolution_notes":"\\u200b\\u200b"}',
  '{"title":"\u202egnp.exe"}',
  '{"name":"ok","role":"admin","__proto__":{"role":"viewer"}}',
];

/** A JSON body for a route that takes one. */
function jsonBody(route: string, targets: FuzzTargets): fc.Arbitrary<BodySpec> {
  return fc.oneof(
    { arbitrary: nearValidBody(route).map((v): BodySpec => ({ kind: 'text', text: JSON.stringify(v) })), weight: 10 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v): BodySpec => ({ kind: 'text', text: JSON.stringify(v) ?? 'null' })), weight: 2 },
    { arbitrary: fc.constantFrom(...INVALID_JSON).map((text): BodySpec => ({ kind: 'text', text })), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((text): BodySpec => ({ kind: 'text', text })), weight: 1 },
    {
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 32 }).map((bytes): BodySpec => ({
        kind: 'bytes',
        base64: Buffer.concat([Buffer.from('{"title":"'), Buffer.from(bytes), Buffer.from('"}')]).toString('base64'),
      })),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({ depth: fc.constantFrom(100, 1_000, 10_000, 100_000), open: fc.constantFrom('[' as const, '{"a":' as const) })
        .map((d): BodySpec => ({ kind: 'deep', ...d })),
      weight: 1,
    },
    {
      arbitrary: fc
        .integer({ min: targets.jsonMaxBytes + 1, max: targets.jsonMaxBytes * 2 })
        .map((bytes): BodySpec => ({ kind: 'huge', bytes })),
      weight: 1,
    },
  );
}

const hostileFilename: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'ok.txt',
    'report.pdf',
    'plan.json',
    '../../etc/passwd',
    'C:\\x\\y.log',
    '\u202egnp.exe',
    'a\u0000b.txt',
    '',
    ' ',
    '.',
    '..',
    'CON',
    'x'.repeat(300),
    'é.txt',
    'e\u0301.txt',
    '\u200b',
    'a\r\nb',
    '"quoted".txt',
    'semi;colon.txt',
    '%2e%2e%2fpasswd',
    '😀.png',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const partContentType = fc.constantFrom(
  'text/plain',
  'application/octet-stream',
  'image/png; charset=utf-8',
  'text/html',
  'application/x-msdownload',
  '',
  'garbage',
  'text/plain; boundary=x; charset="\u202e"',
  'x'.repeat(300),
);

/** A part named `file` with a plain name and content, mostly; any of that bent, sometimes. */
const multipartPart: fc.Arbitrary<MultipartPart> = fc.record({
  name: fc.oneof(
    { arbitrary: fc.constant('file'), weight: 8 },
    { arbitrary: fc.constantFrom('files', '', 'other', '__proto__', 'FILE', 'file"; filename="x'), weight: 1 },
  ),
  filename: fc.oneof(
    { arbitrary: fc.constantFrom('ok.txt', 'report.pdf', 'plan.json', 'é.txt', 'rds-events.log'), weight: 6 },
    { arbitrary: hostileFilename, weight: 3 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  ),
  contentType: maybe(fc.oneof({ arbitrary: fc.constant('text/plain'), weight: 4 }, { arbitrary: partContentType, weight: 1 }), 60),
  extraHeader: maybe(
    fc.constantFrom<HeaderPair>(
      ['Content-Transfer-Encoding', 'base64'],
      ['X-Evil', 'yes'],
      ['Content-Disposition', 'form-data; name="other"'],
    ),
    10,
  ),
  content: fc.oneof(
    { arbitrary: fc.string({ unit: 'binary', maxLength: 64 }), weight: 6 },
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 3 }).map((k) => ({ size: k * 70_000 })), weight: 1 },
  ),
});

const boundary = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/), weight: 6 },
  { arbitrary: fc.constantFrom('', '"quoted"', 'with space', '-'.repeat(71), 'b'.repeat(200), '\u202e', '--'), weight: 1 },
);

/** An evidence upload: multipart of every shape, or a raw file with ?filename= (the query adds it). */
function uploadBody(): fc.Arbitrary<{ body: BodySpec; contentType?: string }> {
  const multipart = fc
    .record({
      boundary,
      parts: fc.oneof(
        { arbitrary: fc.array(multipartPart, { minLength: 1, maxLength: 3 }), weight: 8 },
        { arbitrary: fc.array(multipartPart, { maxLength: 24 }), weight: 2 },
      ),
      ending: fc.oneof(
        { arbitrary: fc.constant('proper' as const), weight: 12 },
        { arbitrary: fc.constantFrom('missing', 'no-crlf', 'garbage-after', 'cut' as const), weight: 3 },
      ),
      header: fc.oneof(
        { arbitrary: fc.constant('same' as const), weight: 12 },
        { arbitrary: fc.constantFrom('other', 'quoted', 'none', 'mixed', 'charset' as const), weight: 3 },
      ),
    })
    .map(({ boundary: b, parts, ending, header }) => {
      const contentType = {
        same: `multipart/form-data; boundary=${b}`,
        other: 'multipart/form-data; boundary=not-the-boundary',
        quoted: `multipart/form-data; boundary="${b}"`,
        none: 'multipart/form-data',
        mixed: `multipart/mixed; boundary=${b}`,
        charset: `multipart/form-data; charset=utf-8; boundary=${b}; boundary=${b}x`,
      }[header];
      return { body: { kind: 'multipart', boundary: b, parts, ending } as BodySpec, contentType };
    });
  const raw = fc
    .record({
      size: fc.oneof({ arbitrary: fc.nat(2048), weight: 8 }, { arbitrary: fc.constantFrom(65_536, 65_537, 200_000), weight: 1 }),
      fill: fc.nat(255),
      contentType: maybe(
        fc.constantFrom(
          'application/gzip',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'multipart/form-data; boundary=',
          'application/json',
          'text/html; charset=utf-8',
          'image/svg+xml',
          'garbage',
          '*/*',
          'x/y; a="\u0000"',
        ),
        85,
      ),
    })
    .map(({ size, fill, contentType }) => ({ body: { kind: 'file', size, fill } as BodySpec, contentType }));
  return fc.oneof({ arbitrary: multipart, weight: 3 }, { arbitrary: raw, weight: 2 });
}

// ------------------------------------------------------------------ paths and queries

interface RouteTemplate {
  path: string;
  methods: string[];
  /** A JSON body, a streamed body (evidence), or none. */
  body: 'json' | 'stream' | 'none';
}

/** Every route of the live route table (new routes are fuzzed as soon as they are in app/routes.ts). */
export function routeTemplates(): RouteTemplate[] {
  const templates: RouteTemplate[] = [];
  for (const { spec } of OPERATIONS) {
    let t = templates.find((r) => r.path === spec.path);
    if (!t) templates.push((t = { path: spec.path, methods: [], body: 'none' }));
    t.methods.push(spec.method);
    if (spec.body && t.body === 'none') t.body = 'json';
    if (spec.streamBody) t.body = 'stream';
  }
  return templates;
}

/** Paths no route takes: the page's files, traversal, other versions. */
const OTHER_PATHS = [
  '/',
  '/index.html',
  '/app.js',
  '/app.js.map',
  '/styles.css',
  '/assets/../../package.json',
  '/..%2f..%2fpackage.json',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/../../../../etc/passwd',
  '/.env',
  '/.git/config',
  '/api',
  '/api/',
  '/api/v1',
  '/api/v2/actions',
  '/api/v1/actions/1/unknown',
  '/API/V1/ACTIONS',
  '/api/v1/%61ctions',
  '/api/v1/actions;jsessionid=1',
  '/api/v1/actions#fragment',
  '//api/v1/actions',
  '/api/v1/./actions',
  '/api/v1/actions/../tokens',
  '/api/v1/actions%2F1',
  '/api/v1/actions/1%2Fhistory',
  '/\u202e',
  '/%00',
  '/%',
  '/metrics/',
  '/health/../metrics',
  '*',
];

const HOSTILE_IDS = [
  '0',
  '-1',
  '01',
  '1e3',
  '0x10',
  '1.0',
  '+1',
  ' 1',
  '1 ',
  '%31',
  '9007199254740991',
  '9007199254740993',
  '99999999999999999999',
  '..',
  '.',
  '%2e%2e',
  '%2F',
  'a%2Fb',
  '1%00',
  'é',
  '\u202e1',
  'null',
  '__proto__',
  'constructor',
  '1;DROP TABLE actions',
  "1' OR '1'='1",
  '9'.repeat(5000),
];

function paramValue(template: string, name: string, targets: FuzzTargets): fc.Arbitrary<string> {
  if (name === 'uploadId') {
    return fc.oneof(fc.uuid().map(String), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-a-uuid', ...HOSTILE_IDS));
  }
  const live = template.startsWith('/api/v1/tokens')
    ? fc.constantFrom(...targets.spentTokenIds.map(String), '987654')
    : template.startsWith('/api/v1/evidence')
      ? fc.integer({ min: 1, max: targets.maxEvidenceId }).map(String)
      : fc.integer({ min: 1, max: targets.maxActionId }).map(String);
  return fc.oneof({ arbitrary: live, weight: 4 }, { arbitrary: fc.constantFrom(...HOSTILE_IDS), weight: 1 });
}

/** A path of a route template with hostile or live ids, sometimes bent (trailing slash, dot segments, encoded slashes, length). */
function pathOf(template: string, targets: FuzzTargets): fc.Arbitrary<string> {
  const names = [...template.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => m[1]!);
  const values = fc.tuple(...names.map((n) => paramValue(template, n, targets)));
  const bend = fc.oneof(
    { arbitrary: fc.constant('none'), weight: 5 },
    {
      arbitrary: fc.constantFrom('trailing-slash', 'double-slash', 'dot', 'dot-dot', 'encoded-slash', 'upper', 'long', 'encoded-char'),
      weight: 1,
    },
  );
  return fc.tuple(values, bend).map(([vals, how]) => {
    let path = template;
    names.forEach((n, i) => (path = path.replace(`{${n}}`, vals[i]!)));
    switch (how) {
      case 'trailing-slash':
        return `${path}/`;
      case 'double-slash':
        return path.replace('/v1/', '/v1//');
      case 'dot':
        return path.replace('/v1/', '/v1/./');
      case 'dot-dot':
        return path.replace('/v1/', '/v1/x/../');
      case 'encoded-slash':
        return path.replace(/\/([^/]*)$/, '%2F$1');
      case 'upper':
        return path.toUpperCase();
      case 'long':
        return `${path}/${'a'.repeat(8000)}`;
      case 'encoded-char':
        return path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
      default:
        return path;
    }
  });
}

const QUERY_KEYS = [
  'limit',
  'cursor',
  'status',
  'priority',
  'owner',
  'component',
  'tag',
  'q',
  'include_closed',
  'filename',
  'fields',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'LIMIT',
  'limit[]',
  'a.b',
  '',
  'foo',
  '%6c%69%6d%69%74',
  '%zz',
  'q%00',
];

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const QUERY_VALUES = [
  '0x10',
  '1e2',
  '-0',
  '+5',
  ' 5',
  '5 ',
  '%205',
  '010',
  '1.0',
  '5.5',
  'Infinity',
  'NaN',
  '0',
  '200',
  '201',
  '-1',
  '9'.repeat(400),
  '',
  '%',
  '%zz',
  '%E0%A4',
  '%00',
  '%C0%AF',
  '%F0%9F%98',
  '%ED%A0%80',
  '%E2%80%AE',
  '%E2%80%8B',
  '+',
  'a+b',
  'true',
  'TRUE',
  'yes',
  'open',
  'open,,closed',
  'open,bogus',
  ',',
  'high,low',
  'prod',
  'PROD',
  'x'.repeat(10_000),
  'eyJ4IjoxfQ',
  cursorOf({ p: 0, u: '2024-02-30T00:00:00.000Z', i: 1 }),
  cursorOf({ p: 'x', u: 'x', i: -1 }),
  cursorOf([1, 2, 3]),
  cursorOf('__proto__'),
  cursorOf({ __proto__: { p: 1 } }),
  '!!!!',
  '../../etc/passwd',
  'gnp.exe',
  '%E2%80%AEgnp.exe',
  'report%00.pdf',
  'title,description',
];

/** A query string: none, or pairs of known, unknown and poisonous keys with numbers, encodings and cursors that are not what they seem. */
function queryOf(forceFilename: boolean): fc.Arbitrary<string> {
  const pair = fc.tuple(
    fc.constantFrom(...QUERY_KEYS),
    fc.oneof(
      { arbitrary: fc.constantFrom(...QUERY_VALUES), weight: 5 },
      { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 12 }), weight: 1 },
    ),
    fc.constantFrom('=', '=', '=', '=', ''),
  );
  const pairs = fc.oneof(
    { arbitrary: fc.constant([]), weight: 6 },
    { arbitrary: fc.array(pair, { minLength: 1, maxLength: 6 }), weight: 3 },
  );
  const filename = forceFilename ? maybe(fc.constantFrom(...QUERY_VALUES, 'ok.txt', 'ok.txt', 'ok.txt'), 85) : fc.constant(undefined);
  return fc.tuple(pairs, filename).map(([ps, name]) => {
    const all = ps.map(([k, v, eq]) => (eq ? `${k}=${v}` : k));
    if (name !== undefined) all.unshift(`filename=${name}`);
    // The pair itself may repeat, as `a=1&a=2` does.
    return all.length ? `?${all.join('&')}` : '';
  });
}

// ------------------------------------------------------------------ headers

const nameCase = (name: string) =>
  fc.constantFrom(
    name,
    name.toLowerCase(),
    name.toUpperCase(),
    name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()),
  );

/** Headers besides identity: content types, conditions, ranges, request ids and names that are object keys in JavaScript. */
const otherHeader: fc.Arbitrary<HeaderPair> = fc.oneof(
  fc.tuple(
    nameCase('content-type'),
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/json;;',
      'application/vnd.api+json',
      'application/jsonx',
      'text/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      '',
      '*/*',
      'application/json\u0000',
    ),
  ),
  fc.tuple(
    nameCase('if-match'),
    fc.constantFrom('"1"', '"2"', '*', 'W/"1"', '"abc"', '1', '"-1"', '"99999999999999999999"', '"1", "2"', '', '"', '"1"x', '"\u202e1"'),
  ),
  fc.tuple(
    nameCase('range'),
    fc.constantFrom(
      'bytes=0-',
      'bytes=0-0',
      'bytes=-0',
      'bytes=-1',
      'bytes=5-1',
      'bytes=0-1,2-3',
      'bytes=99999999999999999999-',
      'items=1-2',
      'bytes=',
      'bytes=a-b',
      'bytes=0-9007199254740993',
      'bytes= 0-1',
    ),
  ),
  fc.tuple(nameCase('if-range'), fc.constantFrom('"abc"', 'Wed, 21 Oct 2015 07:28:00 GMT', 'garbage', '')),
  fc.tuple(
    nameCase('x-request-id'),
    fc.constantFrom('abc-123', '', 'x'.repeat(200), '../../etc', '<script>', 'a b', 'id\u0000', '\u202eid', 'req:1@a=b+c/d'),
  ),
  fc.tuple(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '__definegetter__', 'valueOf'),
    fc.constantFrom('x', '{"role":"admin"}', 'admin'),
  ),
  fc.tuple(fc.constantFrom('accept', 'accept-encoding', 'cookie', 'origin', 'x-forwarded-for', 'x-forwarded-proto', 'expect'), hostileText),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string({ unit: 'binary-ascii', maxLength: 30 })),
);

// ------------------------------------------------------------------ identity

const VALID_USERS = ['mia', 'ada', 'lee', 'vera', 'AZaz09._@-x', 'a'.repeat(64)];
const BAD_USERS = ['', ' ', 'bad user!', 'mia/admin', 'a'.repeat(65), 'token:deploy', 'é', '\u202emia', 'mia\u0000', 'mia,ada'];
const BAD_ROLES = ['', 'superuser', 'Admin', 'ADMIN', ' admin', 'admin ', 'admin,viewer', '__proto__', 'constructor', 'toString', 'root'];

const userValue = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID_USERS), weight: 4 },
  { arbitrary: fc.constantFrom(...BAD_USERS), weight: 1 },
);
const roleValue = fc.oneof({ arbitrary: fc.constantFrom(...ROLES), weight: 4 }, { arbitrary: fc.constantFrom(...BAD_ROLES), weight: 1 });

/** X-User and X-Role: mostly a valid pair; else one missing, garbage, or sent twice; names in any case. */
const userHeaders: fc.Arbitrary<HeaderPair[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(nameCase('x-user'), fc.constantFrom(...VALID_USERS), nameCase('x-role'), fc.constantFrom(...ROLES))
      .map(([un, u, rn, r]): HeaderPair[] => [
        [un, u],
        [rn, r],
      ]),
    weight: 7,
  },
  {
    arbitrary: fc
      .record({
        user: maybe(fc.tuple(nameCase('x-user'), userValue), 80),
        role: maybe(fc.tuple(nameCase('x-role'), roleValue), 80),
        twice: maybe(fc.tuple(fc.constantFrom('X-User', 'x-role', 'X-ROLE'), fc.oneof(userValue, roleValue)), 30),
      })
      .map(({ user, role, twice }) => [user, role, twice].filter((h): h is HeaderPair => h !== undefined)),
    weight: 3,
  },
);

const secretVariant = fc.oneof(
  { arbitrary: fc.constant<SecretVariant>('right'), weight: 7 },
  { arbitrary: fc.constantFrom<SecretVariant>('prefix', 'longer', 'case', 'padded', 'empty', 'other', 'twice'), weight: 3 },
);

const KIDS = ['kid-2', 'kid-unknown', '../kid-1', 'kid-1/../kid-2', '', 'a'.repeat(129), 'kid 1', 'kid-1%00', 'KID-1'];

const groupsClaim = fc.oneof(
  fc.array(fc.constantFrom('sre', 'sre-leads', 'sre-admins', 'finance', 'SRE-ADMINS', ' sre', '__proto__', 'constructor', ''), {
    maxLength: 4,
  }),
  fc.constantFrom('sre-admins, other', 'sre,sre-leads', '', ',,,', 'sre-admins\u200b', '\u202esre-admins'),
  wrongType,
  fc.constant(undefined),
);

const emailClaim = fc.oneof(
  {
    arbitrary: fc.constantFrom('token:deploy', '', ' mia', '\u202emia@example.com', 'mia\u0000', 'a'.repeat(300), 'mia\nadmin'),
    weight: 3,
  },
  { arbitrary: wrongType, weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

/** A token as the ALB makes it, with a user whose groups map to any role (or none). */
const validOidc: fc.Arbitrary<OidcToken> = fc
  .record({
    padded: fc.boolean(),
    email: fc.constantFrom('mia@example.com', 'ops@example.com', 'sam+ops@example.com', 'Zoë@example.com'),
    groups: fc.constantFrom<unknown>(['sre'], ['sre-leads'], ['sre-admins'], ['sre', 'sre-admins'], 'sre-leads, other', [], ['finance']),
  })
  .map(({ padded, email, groups }) => ({
    kid: 'kid-1',
    key: 'served' as const,
    signer: 'right' as const,
    exp: 'future' as const,
    alg: 'ES256',
    padded,
    claims: { email, groups },
    mutate: 'none' as const,
  }));

/** One way a token is not what the ALB would send. */
const oidcBend: fc.Arbitrary<Partial<OidcToken>> = fc.oneof(
  fc.constantFrom(...KIDS).map((kid) => ({ kid })),
  fc.constant({ key: 'stranger' as const }),
  fc.constantFrom('other', 'absent' as const).map((signer) => ({ signer })),
  fc.constantFrom('skewed', 'expired', 'text', 'absent' as const).map((exp) => ({ exp })),
  fc.constantFrom('none', 'HS256', 'RS256', 'es256', 'ES384', '').map((alg) => ({ alg })),
  emailClaim.map((email) => ({ claims: { email } })),
  groupsClaim.map((groups) => ({ claims: { groups } })),
  fc.constantFrom(0, 1e12, 'x', null).map((exp) => ({ claims: { exp } })),
  fc
    .constantFrom(
      'tamper-payload',
      'flip-signature',
      'der-signature',
      'short-signature',
      'extra-part',
      'two-parts',
      'bad-char',
      'huge' as const,
    )
    .map((mutate) => ({ mutate })),
);

export const oidcToken: fc.Arbitrary<OidcToken> = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        validOidc,
        fc.oneof({ arbitrary: fc.constant([]), weight: 5 }, { arbitrary: fc.array(oidcBend, { minLength: 1, maxLength: 2 }), weight: 5 }),
      )
      .map(([token, bends]) => bends.reduce<OidcToken>((t, b) => ({ ...t, ...b, claims: { ...t.claims, ...b.claims } }), token)),
    weight: 12,
  },
  {
    arbitrary: fc
      .oneof(
        fc.constantFrom('', 'not.a.token', '...', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '=.=.=', 'Bearer x'),
        fc.string({ unit: 'binary-ascii', maxLength: 60 }),
      )
      .map((raw): OidcToken => ({
        raw,
        kid: '',
        key: 'served',
        signer: 'right',
        exp: 'future',
        alg: 'ES256',
        padded: false,
        claims: {},
        mutate: 'none',
      })),
    weight: 1,
  },
);

export const bearerToken: fc.Arbitrary<BearerToken> = fc.record({
  token: fc.oneof(
    { arbitrary: fc.constantFrom<BearerToken['token']>(...ROLES), weight: 8 },
    { arbitrary: fc.constantFrom<BearerToken['token']>('revoked', 'expired', 'made-up'), weight: 2 },
  ),
  mutate: fc.oneof(
    { arbitrary: fc.constant<BearerToken['mutate']>('none'), weight: 7 },
    {
      arbitrary: fc.constantFrom<BearerToken['mutate']>(
        'char',
        'truncate',
        'longer',
        'lower-scheme',
        'two-spaces',
        'tab',
        'trailing-space',
        'no-scheme',
        'basic',
        'empty',
        'other-scheme',
      ),
      weight: 3,
    },
  ),
});

/** The identity a request claims, for the mode it is fuzzing; each mode also gets the others' headers as noise. */
function identityFor(mode: ModeName): fc.Arbitrary<IdentityClaim> {
  switch (mode) {
    case 'trusted-headers':
      return fc.record({
        headers: userHeaders,
        secret: maybe(secretVariant, 20),
        oidc: maybe(fc.array(oidcToken, { minLength: 1, maxLength: 1 }), 20),
      });
    case 'proxy-secret':
      return fc.record({ headers: userHeaders, secret: maybe(secretVariant, 85) });
    case 'alb-oidc':
      return fc.record({
        headers: maybe(userHeaders, 50).map((h) => h ?? []),
        oidc: maybe(
          fc.oneof(
            { arbitrary: fc.array(oidcToken, { minLength: 1, maxLength: 1 }), weight: 15 },
            { arbitrary: fc.array(oidcToken, { minLength: 2, maxLength: 2 }), weight: 1 },
          ),
          92,
        ),
      });
    case 'api-tokens':
      return fc.record({
        headers: maybe(userHeaders, 40).map((h) => h ?? []),
        secret: maybe(secretVariant, 30),
        bearer: fc.oneof(
          { arbitrary: fc.array(bearerToken, { minLength: 1, maxLength: 1 }), weight: 12 },
          { arbitrary: fc.array(bearerToken, { minLength: 2, maxLength: 2 }), weight: 1 },
        ),
      });
  }
}

// ------------------------------------------------------------------ the request

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'get', 'Post', 'PROPFIND', 'FOO'];
/** Methods Node's parser takes: a socket request with another is Node's own 400, which the fuzz exercises too, rarely. */
const SOCKET_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']);

/** A hostile request for one identity mode; `socketShare` of them (0–1) go through a real socket. */
export function hostileRequest(mode: ModeName, targets: FuzzTargets, socketShare = 0.1): fc.Arbitrary<FuzzRequest> {
  const templates = routeTemplates();
  const socketWeight = Math.round(socketShare * 100);
  const seam = fc.oneof(
    { arbitrary: fc.constant<Seam>('socket'), weight: socketWeight },
    { arbitrary: fc.constantFrom<Seam>('lambda', 'stream'), weight: 100 - socketWeight },
  );
  const app: fc.Arbitrary<AppName> =
    mode === 'api-tokens' ? fc.constantFrom('trusted-headers', 'proxy-secret', 'alb-oidc') : fc.constant(mode);
  const aim = fc.oneof(
    {
      arbitrary: fc
        .constantFrom(...templates)
        .map((t) => ({ template: t as RouteTemplate | undefined, fixed: undefined as string | undefined })),
      weight: 9,
    },
    {
      arbitrary: fc
        .constantFrom(...OTHER_PATHS)
        .map((p) => ({ template: undefined as RouteTemplate | undefined, fixed: p as string | undefined })),
      weight: 1,
    },
  );
  return fc.tuple(aim, seam, app, identityFor(mode)).chain(([{ template, fixed }, via, appName, identity]) => {
    const method = fc.oneof(
      { arbitrary: fc.constantFrom(...(template?.methods ?? ['GET', 'HEAD'])), weight: 17 },
      { arbitrary: fc.constantFrom(...METHODS).filter((m) => via !== 'socket' || SOCKET_METHODS.has(m)), weight: 3 },
    );
    const kind = template?.body ?? 'none';
    const body: fc.Arbitrary<{ body: BodySpec; contentType?: string }> =
      kind === 'json'
        ? jsonBody(template!.path, targets).map((b) => ({ body: b, contentType: 'application/json' }))
        : kind === 'stream'
          ? uploadBody()
          : fc.oneof(
              { arbitrary: fc.constant({ body: { kind: 'none' } as BodySpec }), weight: 8 },
              { arbitrary: jsonBody('', targets).map((b) => ({ body: b, contentType: 'application/json' })), weight: 1 },
              { arbitrary: uploadBody(), weight: 1 },
            );
    const lengthHeader = fc.oneof(
      { arbitrary: fc.constant('true'), weight: 16 },
      { arbitrary: fc.constant('absent'), weight: 2 },
      { arbitrary: fc.constantFrom('-1', 'abc', '1e3', '0', '99999999999', '1, 1', ' 5'), weight: 1 },
    );
    return fc
      .record({
        method,
        path: template ? pathOf(template.path, targets) : fc.constant(fixed!),
        query: queryOf(kind === 'stream'),
        body,
        // The body's content type as the client meant it, or a wrong one, or none.
        typed: fc.constantFrom('meant', 'meant', 'meant', 'meant', 'meant', 'none', 'other' as const),
        headers: fc.array(otherHeader, { maxLength: 4 }),
        length: lengthHeader,
      })
      .map(({ method: m, path, query, body: b, typed, headers, length }): FuzzRequest => {
        const all: HeaderPair[] = [];
        if (b.contentType !== undefined && b.body.kind !== 'none' && typed === 'meant') all.push(['Content-Type', b.contentType]);
        if (typed === 'other') all.push(['content-type', 'text/plain']);
        all.push(...headers);
        return {
          mode,
          app: appName,
          seam: via,
          method: m,
          route: template?.path ?? '(other)',
          target: path + query,
          identity,
          headers: all,
          length,
          body: b.body,
        };
      });
  });
}
