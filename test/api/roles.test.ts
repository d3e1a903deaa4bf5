// The role × route matrix of the contract: every route × every kind of
// caller × every identity mode (trusted headers, headers vouched for by the
// proxy secret, the ALB's signed OIDC token, API tokens), with the expected
// answer derived from the contract's tables written out below — not from
// lib/domain. A refused request must change nothing stored.
import { randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../app/routes';
import { as, createAction, createActionIn, ENGINES, expectProblem, startApp, storedState, type Reply, type TestApp } from '../support/app';
import { modeApp, type ModeApp } from '../support/modes';
import { albToken, oidcConfig, SIGNER_ARN, startKeyServer, type KeyServer } from '../support/oidc';

// ------------------------------------------------- the contract, written out

type Role = 'viewer' | 'member' | 'lead' | 'admin';
const LADDER: Role[] = ['viewer', 'member', 'lead', 'admin'];

interface Prepared {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One request of the contract's endpoint table (and of the extensions: deletions, /me, direct
 * uploads, API tokens, /metrics); `who` is the lowest role that may make it, or anyone.
 */
interface RouteCase {
  name: string;
  method: string;
  path: string;
  who: Role | 'anyone';
  /** What a caller who may make the request gets (for a few, the problem that comes after the role check). */
  success: number;
  /** Decided in issue 13: API tokens do not manage tokens, whatever their role. */
  peopleOnly?: true;
  /** Its success is a stream that stays open (the live events): only its status and type are read. */
  streamed?: true;
  /** Builds the request against fresh data, made through the trusted-headers app. */
  prepare(app: TestApp): Promise<Prepared>;
}

const fresh = async (app: TestApp, status = 'open') => (await createActionIn(app, status)).id;

async function freshEvidence(app: TestApp): Promise<number> {
  const id = await fresh(app);
  const res = await app.call('POST', `/api/v1/actions/${id}/evidence?filename=matrix.log`, {
    as: as.member,
    body: 'a line of evidence\n',
    headers: { 'content-type': 'text/plain' },
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${res.text}`);
  return res.body.items[0].id;
}

let tokenNames = 0;
const tokenName = () => `matrix-${++tokenNames}`;

async function freshToken(app: TestApp): Promise<number> {
  const res = await app.call('POST', '/api/v1/tokens', { as: as.admin, body: { name: tokenName(), role: 'viewer' } });
  if (res.status !== 201) throw new Error(`token failed: ${res.status} ${res.text}`);
  return res.body.id;
}

let serial = 0;
/** A name no other request of the run uses. */
const unique = (prefix: string) => `${prefix}-${++serial}-${randomUUID().slice(0, 8)}`;

let closed: Promise<number> | undefined;
/** A loopback port nothing listens on: a probe of it is refused at once. */
function closedPort(): Promise<number> {
  closed ??= new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
  return closed;
}

/** A host's fields: on loopback, at a closed port, so that no probe round waits for it. */
const hostFields = async () => ({ hostname: unique('matrix-host'), ip_addresses: ['127.0.0.1'], probe_port: await closedPort() });

async function freshHost(app: TestApp): Promise<number> {
  const res = await app.call('POST', '/api/v1/hosts', { as: as.member, body: await hostFields() });
  if (res.status !== 201) throw new Error(`host failed: ${res.status} ${res.text}`);
  return res.body.id;
}

async function freshChange(app: TestApp): Promise<number> {
  const res = await app.call('POST', '/api/v1/changes', { as: as.member, body: { title: 'Matrix change' } });
  if (res.status !== 201) throw new Error(`change failed: ${res.status} ${res.text}`);
  return res.body.id;
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ingest/${name}`, import.meta.url), 'utf8');
const PLAN = fixture('plan.json');
const RECAP = fixture('recap.json');
const INVENTORY = fixture('inventory.json');
/** A commit SHA no other request of the run uses: a document posted with it is recorded anew (201), not replayed (200). */
const freshCommit = () => randomUUID().replace(/-/g, '');

/** An ingestion: the document as it is, with a fresh correlation key. */
const ingestion = (kind: 'terraform' | 'ansible' | 'inventory', document: string, query = `commit_sha=${freshCommit()}`): Prepared => ({
  path: `/api/v1/ingest/${kind}?${query}`,
  body: document,
  headers: { 'content-type': 'application/json' },
});

/** A change with a raw document (the plan): its id and the artifact's. */
async function freshArtifact(app: TestApp): Promise<{ change: number; artifact: number }> {
  const { path, body, headers } = ingestion('terraform', PLAN);
  const res = await app.call('POST', path, { as: as.member, body, headers });
  if (res.status !== 201) throw new Error(`ingest failed: ${res.status} ${res.text}`);
  return { change: res.body.change.id, artifact: res.body.change.artifacts[0].id };
}

async function linked(app: TestApp, kind: 'hosts' | 'changes'): Promise<string> {
  const id = await fresh(app);
  const other = kind === 'hosts' ? await freshHost(app) : await freshChange(app);
  const path = `/api/v1/actions/${id}/${kind}/${other}`;
  const res = await app.call('PUT', path, { as: as.member });
  if (res.status !== 200) throw new Error(`link failed: ${res.status} ${res.text}`);
  return path;
}

const ROUTES: RouteCase[] = [
  { name: 'health', method: 'GET', path: '/health', who: 'anyone', success: 200, prepare: async () => ({ path: '/health' }) },
  {
    name: 'OpenAPI document',
    method: 'GET',
    path: '/api/v1/openapi.json',
    who: 'anyone',
    success: 200,
    prepare: async () => ({ path: '/api/v1/openapi.json' }),
  },
  // Public unless METRICS_TOKEN is set (the ALB keeps it off the internet); API tokens are not its credential.
  { name: 'metrics', method: 'GET', path: '/metrics', who: 'anyone', success: 200, prepare: async () => ({ path: '/metrics' }) },
  {
    name: 'list actions',
    method: 'GET',
    path: '/api/v1/actions',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/actions' }),
  },
  {
    name: 'count facets',
    method: 'GET',
    path: '/api/v1/actions/facets',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/actions/facets' }),
  },
  {
    name: 'create an action',
    method: 'POST',
    path: '/api/v1/actions',
    who: 'member',
    success: 201,
    prepare: async () => ({ path: '/api/v1/actions', body: { title: 'Rotate keys' } }),
  },
  {
    name: 'read an action',
    method: 'GET',
    path: '/api/v1/actions/{id}',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}` }),
  },
  {
    name: 'edit an action',
    method: 'PATCH',
    path: '/api/v1/actions/{id}',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}`, body: { owner: 'alice' } }),
  },
  {
    name: 'move open → in_progress',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/status`, body: { status: 'in_progress' } }),
  },
  {
    name: 'resolve with notes',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'member',
    success: 200,
    prepare: async (app) => ({
      path: `/api/v1/actions/${await fresh(app, 'blocked')}/status`,
      body: { status: 'resolved', resolution_notes: 'Done' },
    }),
  },
  {
    name: 'reopen a resolved action',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app, 'resolved')}/status`, body: { status: 'open' } }),
  },
  {
    name: 'close a resolved action',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'lead',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app, 'resolved')}/status`, body: { status: 'closed' } }),
  },
  {
    name: 'close an open action with notes',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'lead',
    success: 200,
    prepare: async (app) => ({
      path: `/api/v1/actions/${await fresh(app)}/status`,
      body: { status: 'closed', resolution_notes: 'Won’t fix' },
    }),
  },
  {
    name: 'reopen a closed action',
    method: 'POST',
    path: '/api/v1/actions/{id}/status',
    who: 'lead',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app, 'closed')}/status`, body: { status: 'open' } }),
  },
  {
    name: 'delete an action',
    method: 'DELETE',
    path: '/api/v1/actions/{id}',
    who: 'admin',
    success: 204,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}` }),
  },
  {
    name: 'read the history',
    method: 'GET',
    path: '/api/v1/actions/{id}/history',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/history` }),
  },
  {
    name: 'upload evidence',
    method: 'POST',
    path: '/api/v1/actions/{id}/evidence',
    who: 'member',
    success: 201,
    prepare: async (app) => ({
      path: `/api/v1/actions/${await fresh(app)}/evidence?filename=proof.log`,
      body: 'proof\n',
      headers: { 'content-type': 'text/plain' },
    }),
  },
  {
    name: 'list evidence',
    method: 'GET',
    path: '/api/v1/actions/{id}/evidence',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/evidence` }),
  },
  {
    // With the local-disk store a direct upload is refused once the role allows it: 422.
    name: 'ask for a direct upload',
    method: 'POST',
    path: '/api/v1/actions/{id}/evidence/uploads',
    who: 'member',
    success: 422,
    prepare: async (app) => ({
      path: `/api/v1/actions/${await fresh(app)}/evidence/uploads`,
      body: { filename: 'plan.json', size_bytes: 10 },
    }),
  },
  {
    // An upload nobody asked for: 404 once the role allows looking.
    name: 'complete a direct upload',
    method: 'POST',
    path: '/api/v1/actions/{id}/evidence/uploads/{uploadId}/complete',
    who: 'member',
    success: 404,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/evidence/uploads/${randomUUID()}/complete` }),
  },
  {
    name: 'download evidence',
    method: 'GET',
    path: '/api/v1/evidence/{id}/content',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/evidence/${await freshEvidence(app)}/content` }),
  },
  {
    name: 'delete evidence',
    method: 'DELETE',
    path: '/api/v1/evidence/{id}',
    who: 'admin',
    success: 204,
    prepare: async (app) => ({ path: `/api/v1/evidence/${await freshEvidence(app)}` }),
  },
  {
    name: 'list deletions',
    method: 'GET',
    path: '/api/v1/deletions',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/deletions' }),
  },
  {
    name: 'open the live events',
    method: 'GET',
    path: '/api/v1/events',
    who: 'viewer',
    streamed: true,
    success: 200,
    prepare: async () => ({ path: '/api/v1/events' }),
  },
  // The inventory (issue 16): hosts, their activity, changes, ingestion, links to actions, probes.
  {
    name: 'list hosts',
    method: 'GET',
    path: '/api/v1/hosts',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/hosts' }),
  },
  {
    name: 'add a host',
    method: 'POST',
    path: '/api/v1/hosts',
    who: 'member',
    success: 201,
    prepare: async () => ({ path: '/api/v1/hosts', body: await hostFields() }),
  },
  {
    name: 'read a host',
    method: 'GET',
    path: '/api/v1/hosts/{id}',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/hosts/${await freshHost(app)}` }),
  },
  {
    name: 'edit a host',
    method: 'PATCH',
    path: '/api/v1/hosts/{id}',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/hosts/${await freshHost(app)}`, body: { os: 'Ubuntu 24.04' } }),
  },
  {
    name: 'delete a host',
    method: 'DELETE',
    path: '/api/v1/hosts/{id}',
    who: 'admin',
    success: 204,
    prepare: async (app) => ({ path: `/api/v1/hosts/${await freshHost(app)}` }),
  },
  {
    name: 'list host activity',
    method: 'GET',
    path: '/api/v1/hosts/{id}/activity',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/hosts/${await freshHost(app)}/activity` }),
  },
  {
    name: 'record host activity',
    method: 'POST',
    path: '/api/v1/hosts/{id}/activity',
    who: 'member',
    success: 201,
    prepare: async (app) => ({
      path: `/api/v1/hosts/${await freshHost(app)}/activity`,
      body: { kind: 'patch', summary: 'Applied patches' },
    }),
  },
  {
    name: 'list an action’s hosts',
    method: 'GET',
    path: '/api/v1/actions/{id}/hosts',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/hosts` }),
  },
  {
    name: 'link a host to an action',
    method: 'PUT',
    path: '/api/v1/actions/{id}/hosts/{host_id}',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/hosts/${await freshHost(app)}` }),
  },
  {
    name: 'unlink a host from an action',
    method: 'DELETE',
    path: '/api/v1/actions/{id}/hosts/{host_id}',
    who: 'member',
    success: 204,
    prepare: async (app) => ({ path: await linked(app, 'hosts') }),
  },
  {
    name: 'list an action’s changes',
    method: 'GET',
    path: '/api/v1/actions/{id}/changes',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/changes` }),
  },
  {
    name: 'link a change to an action',
    method: 'PUT',
    path: '/api/v1/actions/{id}/changes/{change_id}',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/changes/${await freshChange(app)}` }),
  },
  {
    name: 'unlink a change from an action',
    method: 'DELETE',
    path: '/api/v1/actions/{id}/changes/{change_id}',
    who: 'member',
    success: 204,
    prepare: async (app) => ({ path: await linked(app, 'changes') }),
  },
  {
    name: 'list changes',
    method: 'GET',
    path: '/api/v1/changes',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/changes' }),
  },
  {
    name: 'record a change',
    method: 'POST',
    path: '/api/v1/changes',
    who: 'member',
    success: 201,
    prepare: async () => ({ path: '/api/v1/changes', body: { title: 'Matrix change', commit_sha: freshCommit() } }),
  },
  {
    name: 'read a change',
    method: 'GET',
    path: '/api/v1/changes/{id}',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/changes/${await freshChange(app)}` }),
  },
  {
    name: 'edit a change',
    method: 'PATCH',
    path: '/api/v1/changes/{id}',
    who: 'member',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/changes/${await freshChange(app)}`, body: { outcome: 'failed' } }),
  },
  {
    name: 'delete a change',
    method: 'DELETE',
    path: '/api/v1/changes/{id}',
    who: 'admin',
    success: 204,
    prepare: async (app) => ({ path: `/api/v1/changes/${await freshChange(app)}` }),
  },
  {
    name: 'download a change’s artifact',
    method: 'GET',
    path: '/api/v1/changes/{id}/artifacts/{artifact_id}/content',
    who: 'viewer',
    success: 200,
    prepare: async (app) => {
      const { change, artifact } = await freshArtifact(app);
      return { path: `/api/v1/changes/${change}/artifacts/${artifact}/content` };
    },
  },
  {
    name: 'ingest a Terraform plan',
    method: 'POST',
    path: '/api/v1/ingest/terraform',
    who: 'member',
    success: 201,
    prepare: async () => ingestion('terraform', PLAN),
  },
  {
    name: 'ingest an Ansible recap',
    method: 'POST',
    path: '/api/v1/ingest/ansible',
    who: 'member',
    success: 201,
    prepare: async () => ingestion('ansible', RECAP),
  },
  {
    // An inventory writes only when its hosts change: each post gives them another environment.
    name: 'ingest an inventory',
    method: 'POST',
    path: '/api/v1/ingest/inventory',
    who: 'member',
    success: 201,
    prepare: async () => ingestion('inventory', INVENTORY, `commit_sha=${freshCommit()}&environment=${unique('matrix-env')}`),
  },
  {
    name: 'what changed before an action',
    method: 'GET',
    path: '/api/v1/actions/{id}/related-changes',
    who: 'viewer',
    success: 200,
    prepare: async (app) => ({ path: `/api/v1/actions/${await fresh(app)}/related-changes` }),
  },
  {
    name: 'read the probe rounds',
    method: 'GET',
    path: '/api/v1/probes',
    who: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/api/v1/probes' }),
  },
  {
    name: 'run a probe round',
    method: 'POST',
    path: '/api/v1/probes/rounds',
    who: 'member',
    success: 200,
    prepare: async (app) => {
      // A round probes every host not retired: the other cases' hosts (the inventory's on addresses
      // that would time out among them) are retired first, and one fresh host on a closed loopback
      // port is left to probe (refused at once: unhealthy).
      await app.db.query(`UPDATE hosts SET status = 'retired' WHERE status <> 'retired'`);
      await freshHost(app);
      return { path: '/api/v1/probes/rounds' };
    },
  },
  { name: 'who am I', method: 'GET', path: '/api/v1/me', who: 'viewer', success: 200, prepare: async () => ({ path: '/api/v1/me' }) },
  {
    name: 'make an API token',
    method: 'POST',
    path: '/api/v1/tokens',
    who: 'admin',
    peopleOnly: true,
    success: 201,
    prepare: async () => ({ path: '/api/v1/tokens', body: { name: tokenName(), role: 'viewer' } }),
  },
  {
    name: 'list API tokens',
    method: 'GET',
    path: '/api/v1/tokens',
    who: 'admin',
    peopleOnly: true,
    success: 200,
    prepare: async () => ({ path: '/api/v1/tokens' }),
  },
  {
    name: 'revoke an API token',
    method: 'DELETE',
    path: '/api/v1/tokens/{id}',
    who: 'admin',
    peopleOnly: true,
    success: 204,
    prepare: async (app) => ({ path: `/api/v1/tokens/${await freshToken(app)}` }),
  },
];

// ------------------------------------------------- callers, in every identity mode

type ModeName = 'trusted headers' | 'proxy secret' | 'alb-oidc' | 'API tokens';

const SECRET = 'matrix-proxy-secret-0123456789abcdef';

/** What each mode's callers need that exists only once the apps run: keys and token secrets. */
interface Credentials {
  key: KeyObject;
  /** A key the key server does not serve under kid-1. */
  stranger: KeyObject;
  tokens: Record<Role | 'revoked' | 'expired', string>;
}

/** The headers a caller sends, and the role they prove (none when missing, malformed or refused). */
interface CallerCase {
  name: string;
  mode: ModeName;
  headers(c: Credentials): Record<string, string>;
  role?: Role;
  /** Identified by an API token (which may not manage tokens). */
  token?: true;
}

const fixed = (headers: Record<string, string>) => () => headers;
const inMode = (mode: ModeName, callers: Omit<CallerCase, 'mode'>[]): CallerCase[] => callers.map((c) => ({ ...c, mode }));

const HEADER_CALLERS = inMode('trusted headers', [
  { name: 'no identity headers', headers: fixed({}) },
  { name: 'X-User without X-Role', headers: fixed({ 'x-user': 'mia' }) },
  { name: 'X-Role without X-User', headers: fixed({ 'x-role': 'admin' }) },
  { name: 'X-User "bad user!"', headers: fixed({ 'x-user': 'bad user!', 'x-role': 'admin' }) },
  { name: 'X-User of 65 characters', headers: fixed({ 'x-user': 'a'.repeat(65), 'x-role': 'admin' }) },
  { name: 'an empty X-User', headers: fixed({ 'x-user': '', 'x-role': 'admin' }) },
  { name: 'X-User with a slash', headers: fixed({ 'x-user': 'mia/admin', 'x-role': 'admin' }) },
  { name: 'the unknown role "superuser"', headers: fixed({ 'x-user': 'mia', 'x-role': 'superuser' }) },
  { name: 'the role "Admin" in another case', headers: fixed({ 'x-user': 'mia', 'x-role': 'Admin' }) },
  { name: 'an empty X-Role', headers: fixed({ 'x-user': 'mia', 'x-role': '' }) },
  ...LADDER.map((role) => ({ name: role, headers: fixed({ 'x-user': `${role}.user`, 'x-role': role }), role })),
]);

const PROXY_CALLERS = inMode('proxy secret', [
  { name: 'no identity headers', headers: fixed({}) },
  { name: 'admin headers without the secret', headers: fixed({ 'x-user': 'ada', 'x-role': 'admin' }) },
  { name: 'admin headers with a wrong secret', headers: fixed({ 'x-user': 'ada', 'x-role': 'admin', 'x-proxy-secret': `${SECRET}x` }) },
  { name: 'the secret without X-User', headers: fixed({ 'x-role': 'admin', 'x-proxy-secret': SECRET }) },
  ...LADDER.map((role) => ({
    name: `${role} with the secret`,
    headers: fixed({ 'x-user': `${role}.user`, 'x-role': role, 'x-proxy-secret': SECRET }),
    role,
  })),
]);

/** The groups that give each role through ROLE_MAP (sre-admins=admin, sre-leads=lead, sre=member); none maps to the default, viewer. */
const GROUPS: Record<Role, string[]> = { viewer: ['finance'], member: ['sre'], lead: ['sre-leads', 'sre'], admin: ['sre-admins'] };
const signedIn = (c: Credentials, claims: Record<string, unknown>, options: { exp?: number; signer?: string } = {}) => ({
  'x-amzn-oidc-data': albToken({ key: c.key, kid: 'kid-1', claims, ...options }),
});

const OIDC_CALLERS = inMode('alb-oidc', [
  { name: 'no sign-in token', headers: fixed({}) },
  { name: 'admin headers and no token (ignored)', headers: fixed({ 'x-user': 'ada', 'x-role': 'admin' }) },
  { name: 'an expired admin token', headers: (c) => signedIn(c, { groups: GROUPS.admin }, { exp: Math.floor(Date.now() / 1000) - 3600 }) },
  {
    name: 'an admin token of another load balancer',
    headers: (c) => signedIn(c, { groups: GROUPS.admin }, { signer: SIGNER_ARN.replace('iat-prod', 'other') }),
  },
  {
    name: 'an admin token signed with another key',
    headers: (c) => ({ 'x-amzn-oidc-data': albToken({ key: c.stranger, kid: 'kid-1', claims: { groups: GROUPS.admin } }) }),
  },
  ...LADDER.map((role) => ({
    name: `${role} by groups ${GROUPS[role].join(',')}`,
    // Headers claiming less than the token are ignored in this mode.
    headers: (c: Credentials) => ({ ...signedIn(c, { email: `${role}@example.com`, groups: GROUPS[role] }), 'x-role': 'viewer' }),
    role,
  })),
]);

const TOKEN_CALLERS = inMode('API tokens', [
  { name: 'a revoked admin token', headers: (c) => ({ authorization: `Bearer ${c.tokens.revoked}` }) },
  { name: 'an expired admin token', headers: (c) => ({ authorization: `Bearer ${c.tokens.expired}` }) },
  { name: 'an unknown token', headers: fixed({ authorization: `Bearer iat_${'A'.repeat(43)}` }) },
  {
    name: 'a token beside a valid sign-in',
    headers: (c) => ({ authorization: 'Bearer not-a-token', ...signedIn(c, { groups: GROUPS.admin }) }),
  },
  ...LADDER.map((role) => ({
    name: `${role === 'admin' ? 'an' : 'a'} ${role} token`,
    // The token decides alone: the sign-in beside it is not read.
    headers: (c: Credentials) => ({ authorization: `Bearer ${c.tokens[role]}`, ...signedIn(c, { groups: GROUPS.viewer }) }),
    role,
    token: true as const,
  })),
]);

const CALLERS: CallerCase[] = [...HEADER_CALLERS, ...PROXY_CALLERS, ...OIDC_CALLERS, ...TOKEN_CALLERS];

function expectedStatus(route: RouteCase, caller: CallerCase): number {
  if (route.who === 'anyone') return route.success;
  if (!caller.role) return 401;
  if (LADDER.indexOf(caller.role) < LADDER.indexOf(route.who)) return 403;
  if (route.peopleOnly && caller.token) return 403;
  return route.success;
}

/** The inventory's tables, digested, beside storedState's: a refused request changes none of them either. */
const INVENTORY_TABLES = [
  'hosts',
  'host_activity',
  'changes',
  'change_resources',
  'change_hosts',
  'change_tasks',
  'change_artifacts',
  'action_hosts',
  'action_changes',
  'probe_lease',
];

async function stored(app: TestApp) {
  const digest = (table: string) =>
    `(SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${table} t) AS ${table}`;
  const { rows } = await app.db.query<Record<string, string>>(`SELECT ${INVENTORY_TABLES.map(digest).join(', ')}`);
  return { ...(await storedState(app)), ...rows[0]! };
}

/** A request whose success is a stream that stays open: the answer's head is read, then the stream closed. */
async function callStreamed(app: TestApp, baseUrl: string, method: string, path: string, headers: Record<string, string>): Promise<Reply> {
  const res = await fetch(baseUrl + path, { method, headers });
  if (res.ok && /^text\/event-stream/.test(res.headers.get('content-type') ?? '')) {
    await res.body?.cancel();
    return { status: res.status, headers: res.headers, text: '', body: undefined };
  }
  const text = await res.text();
  app.expectConforming(method, path, { status: res.status, headers: res.headers, text });
  const body: unknown = /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, body };
}

const MATRIX = ROUTES.flatMap((route) =>
  CALLERS.map((caller) => ({ route, caller, expected: expectedStatus(route, caller), label: `${route.method} ${route.name}` })),
);

describe('the matrix', () => {
  it('has a route case for every operation of the route table', () => {
    const covered = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    const missing = OPERATIONS.map((o) => `${o.spec.method} ${o.spec.path}`).filter((key) => !covered.has(key));
    expect(missing, 'operations of app/routes.ts without a RouteCase in ROUTES').toEqual([]);
  });
});

describe.each(ENGINES)('roles on %s', (engine) => {
  let app: TestApp;
  let proxy: ModeApp;
  let oidc: ModeApp;
  let keyServer: KeyServer;
  let credentials: Credentials;
  beforeAll(async () => {
    app = await startApp(engine);
    keyServer = await startKeyServer();
    const key = keyServer.addKey('kid-1');
    const stranger = keyServer.addKey('kid-2');
    proxy = await modeApp(app, { TRUSTED_PROXY_SECRET: SECRET });
    // As deployed: the ALB signs browsers in, and token traffic reaches the same tasks.
    oidc = await modeApp(app, oidcConfig(keyServer));
    const token = async (name: string, role: Role) => {
      const res = await app.call('POST', '/api/v1/tokens', { as: as.admin, body: { name, role } });
      if (res.status !== 201) throw new Error(`token failed: ${res.status} ${res.text}`);
      return res.body as { id: number; token: string };
    };
    const made = {
      viewer: await token('matrix-viewer', 'viewer'),
      member: await token('matrix-member', 'member'),
      lead: await token('matrix-lead', 'lead'),
      admin: await token('matrix-admin', 'admin'),
      revoked: await token('matrix-revoked', 'admin'),
      expired: await token('matrix-expired', 'admin'),
    };
    await app.call('DELETE', `/api/v1/tokens/${made.revoked.id}`, { as: as.admin });
    await app.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [made.expired.id]);
    credentials = {
      key,
      stranger,
      tokens: Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.token])) as Credentials['tokens'],
    };
  });
  afterAll(async () => {
    await proxy?.close();
    await oidc?.close();
    await app?.close();
    await keyServer?.close();
  });

  const appOf = (mode: ModeName) => ({ 'trusted headers': app, 'proxy secret': proxy, 'alb-oidc': oidc, 'API tokens': oidc })[mode];

  describe('role × route matrix', () => {
    it.each(MATRIX)('$label as $caller.name ($caller.mode) → $expected', async ({ route, caller, expected }) => {
      const request = await route.prepare(app);
      const before = await stored(app);
      const headers = { ...request.headers, ...caller.headers(credentials) };
      const target = appOf(caller.mode);
      const res = route.streamed
        ? await callStreamed(app, target.baseUrl, route.method, request.path, headers)
        : target === app
          ? await app.call(route.method, request.path, { as: null, headers, body: request.body })
          : await (target as ModeApp).call(route.method, request.path, { headers, body: request.body });
      if (expected >= 400) {
        expectProblem(res, expected);
        // A refused request changes nothing.
        expect(await stored(app)).toEqual(before);
      } else {
        expect(res.status, res.text).toBe(expected);
        if (route.streamed) expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
        if (route.method !== 'GET' && caller.role) {
          expect(await stored(app)).not.toEqual(before);
        }
      }
    });
  });

  describe('identity', () => {
    it('accepts a 64-character X-User of every allowed character and records it as the actor', async () => {
      const user = `AZaz09._@-${'x'.repeat(54)}`;
      expect(user).toHaveLength(64);
      const res = await app.call('POST', '/api/v1/actions', { as: { user, role: 'member' }, body: { title: 'Rotate keys' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ created_by: user, updated_by: user });
      const events = (await app.call('GET', `/api/v1/actions/${res.body.id}/history`, { as: as.viewer })).body.items;
      expect(events[0]).toMatchObject({ actor: user, role: 'member' });
    });

    it('records the role each event was made with', async () => {
      const action = await createAction(app);
      await app.call('PATCH', `/api/v1/actions/${action.id}`, { as: as.admin, body: { owner: 'alice' } });
      await app.call('POST', `/api/v1/actions/${action.id}/status`, { as: as.lead, body: { status: 'closed', resolution_notes: 'Done' } });
      const events = (await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer })).body.items;
      expect(events.map((e: { actor: string; role: string }) => [e.actor, e.role])).toEqual([
        ['mia', 'member'],
        ['ada', 'admin'],
        ['lee', 'lead'],
      ]);
    });
  });

  describe('order of the checks: identity 401, then role 403, then body 415/400, then path 404', () => {
    const malformed = { body: '{"title": ', headers: { 'content-type': 'application/json' } };
    const wrongType = { body: '{"title":"x"}', headers: { 'content-type': 'text/plain' } };

    it('asks for identity before reading a malformed or wrongly typed body', async () => {
      expectProblem(await app.call('POST', '/api/v1/actions', { as: null, ...malformed }), 401);
      expectProblem(await app.call('POST', '/api/v1/actions', { as: null, ...wrongType }), 401);
      expectProblem(await app.call('POST', '/api/v1/actions', { as: { user: 'bad user!', role: 'member' }, ...malformed }), 401);
    });

    it('checks the role before reading the body', async () => {
      expectProblem(await app.call('POST', '/api/v1/actions', { as: as.viewer, ...malformed }), 403);
      expectProblem(await app.call('POST', '/api/v1/actions', { as: as.viewer, ...wrongType }), 403);
      const action = await createAction(app);
      expectProblem(
        await app.call('DELETE', `/api/v1/actions/${action.id}`, {
          as: as.lead,
          body: '{',
          headers: { 'content-type': 'application/json' },
        }),
        403,
      );
    });

    it('checks the content type, then the JSON, then the fields', async () => {
      expectProblem(
        await app.call('POST', '/api/v1/actions', { as: as.member, body: '{"title": ', headers: { 'content-type': 'text/plain' } }),
        415,
      );
      expect(expectProblem(await app.call('POST', '/api/v1/actions', { as: as.member, ...malformed }), 400).type).toMatch(
        /malformed-json$/,
      );
      expect(expectProblem(await app.call('POST', '/api/v1/actions', { as: as.member, body: { title: '' } }), 400).errors).toContainEqual({
        path: 'title',
        message: expect.any(String),
      });
    });

    it('asks for identity and role before looking at the path id', async () => {
      expectProblem(await app.call('GET', '/api/v1/actions/abc', { as: null }), 401);
      expectProblem(await app.call('PATCH', '/api/v1/actions/abc', { as: as.viewer, body: { owner: 'x' } }), 403);
      expectProblem(await app.call('DELETE', '/api/v1/actions/987654321', { as: as.member }), 403);
      expectProblem(await app.call('GET', '/api/v1/actions/abc', { as: as.viewer }), 404);
    });

    it('refuses a member closing with 403 even without notes (role before the notes rule)', async () => {
      const action = await createAction(app);
      expectProblem(await app.call('POST', `/api/v1/actions/${action.id}/status`, { as: as.member, body: { status: 'closed' } }), 403);
    });
  });

  describe('the OpenAPI document', () => {
    it('states the same lowest role as the contract for every route', async () => {
      const doc = (await app.call('GET', '/api/v1/openapi.json', { as: null })).body;
      for (const route of ROUTES) {
        const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
        expect(operation, `${route.method} ${route.path}`).toBeDefined();
        // The status endpoint's lowest role is member; lead+ is for closing and reopening closed actions.
        const lowest = ROUTES.filter((r) => r.method === route.method && r.path === route.path).map((r) => r.who);
        const expected = lowest.includes('anyone') ? undefined : LADDER.find((role) => lowest.includes(role));
        expect(operation['x-min-role'], `${route.method} ${route.path}`).toBe(expected);
      }
    });
  });
});
