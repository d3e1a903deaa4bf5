// POST /api/v1/ingest/{terraform,ansible,inventory} through the adapter on a
// loopback port, on both engines: the fixtures in the tools' real formats
// become changes, resources, host links, tasks, host activity and hosts with
// the right counts; the raw document comes back byte for byte; a retry is a
// replay; and every refusal (size, type, shape, role, a failing transaction)
// leaves nothing behind, in the database or in the store.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, ENGINES, expectProblem, startApp, type Caller, type Reply, type TestApp } from '../support/app';
import { parseExposition, valueOf } from '../support/prometheus';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ingest/${name}`, import.meta.url));
const PLAN = fixture('plan.json');
const STATE = fixture('state.json');
const RECAP = fixture('recap.json');
const INVENTORY = fixture('inventory.json');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let commits = 0;
/** A commit SHA no other test of the run uses. */
const freshCommit = () => (0xabc0000 + ++commits).toString(16).padEnd(12, '0');

type Kind = 'terraform' | 'ansible' | 'inventory';

async function ingest(app: TestApp, kind: Kind, document: Buffer | string, query = '', who: Caller = as.member): Promise<Reply> {
  return app.call('POST', `/api/v1/ingest/${kind}${query ? `?${query}` : ''}`, {
    as: who,
    body: typeof document === 'string' ? document : document.toString('utf8'),
    headers: { 'content-type': 'application/json' },
  });
}

/** What the store holds, and what the tables hold: equal before and after a refused post means nothing was kept. */
async function kept(app: TestApp) {
  const objects: string[] = [];
  for await (const object of app.store.list()) objects.push(object.key);
  type Counts = Record<'changes' | 'artifacts' | 'resources' | 'tasks' | 'change_hosts' | 'activity' | 'hosts' | 'host_versions', number>;
  const { rows } = await app.db.query<Counts>(
    `SELECT (SELECT count(*)::int FROM changes) AS changes, (SELECT count(*)::int FROM change_artifacts) AS artifacts,
            (SELECT count(*)::int FROM change_resources) AS resources, (SELECT count(*)::int FROM change_tasks) AS tasks,
            (SELECT count(*)::int FROM change_hosts) AS change_hosts, (SELECT count(*)::int FROM host_activity) AS activity,
            (SELECT count(*)::int FROM hosts) AS hosts, (SELECT coalesce(sum(version), 0)::int FROM hosts) AS host_versions`,
  );
  return { objects: objects.sort(), ...rows[0]! };
}

async function ingestCount(app: TestApp, kind: Kind, outcome: string): Promise<number> {
  const res = await app.call('GET', '/metrics', { as: null });
  return valueOf(parseExposition(res.text), 'ingest_documents_total', { kind, outcome }) ?? 0;
}

/** A POST whose body is sent in pieces, without a length: `finish` ends it. */
function trickle(app: TestApp, path: string, first: Buffer) {
  const url = new URL(path, app.baseUrl);
  let req!: ReturnType<typeof request>;
  const answer = new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>(
    (resolve, reject) => {
      req = request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-user': 'mia', 'x-role': 'member', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
    },
  );
  // Awaited by the test; a socket the test itself ends is no unhandled failure.
  answer.catch(() => undefined);
  req.write(first);
  return { answer, finish: (rest: Buffer) => req.end(rest), abort: () => req.destroy() };
}

describe.each(ENGINES)('ingestion on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
    // The estate the documents talk about: web-1 (i-…0001) and db-1 from the inventory fixture.
    const res = await ingest(app, 'inventory', INVENTORY, 'environment=prod');
    expect(res.status, res.text).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Terraform', () => {
    it('records a plan: counts (replace counted from both orders), touched resources only, hosts by instance id, the artifact', async () => {
      const commit = freshCommit();
      const res = await ingest(app, 'terraform', PLAN, `environment=prod&component=web&commit_sha=${commit}&build_id=ci-101`);
      expect(res.status, res.text).toBe(201);
      const change = res.body.change;
      expect(res.headers.get('location')).toBe(`/api/v1/changes/${change.id}`);
      expect(res.body).toMatchObject({ replayed: false, hosts: { created: 0, updated: 0, retired: 0, unchanged: 0 } });
      expect(change).toMatchObject({
        title: 'Terraform plan: 1 to add, 1 to change, 1 to destroy, 2 to replace',
        source: 'terraform',
        environment: 'prod',
        component: 'web',
        commit_sha: commit,
        build_id: 'ci-101',
        outcome: 'planned',
        finished_at: null,
        started_at: '2024-05-14T02:40:03.000Z',
        counts: { create: 1, update: 1, delete: 1, replace: 2 },
        created_by: 'mia',
        version: 1,
      });
      expect(change.resources).toEqual([
        { address: 'aws_instance.legacy', type: 'aws_instance', name: 'legacy', action: 'delete' },
        { address: 'aws_security_group.web', type: 'aws_security_group', name: 'web', action: 'create' },
        { address: 'module.app.aws_instance.web[0]', type: 'aws_instance', name: 'web', action: 'update' },
        { address: 'module.app.aws_instance.web[1]', type: 'aws_instance', name: 'web', action: 'replace' },
        { address: 'module.app.aws_lb_target_group.web', type: 'aws_lb_target_group', name: 'web', action: 'replace' },
      ]);
      // web-1 is i-0a1b2c3d4e5f60001 in the inventory; the plan's other instances are in no inventory.
      const web1 = await hostId('web-1');
      expect(change.hosts).toEqual([{ hostname: 'web-1', host_id: web1, stats: null }]);
      expect(change.tasks).toEqual([]);
      expect(change.artifacts).toEqual([
        {
          id: expect.any(Number),
          kind: 'terraform-plan',
          filename: `terraform-plan-${sha256(PLAN).slice(0, 12)}.json`,
          content_type: 'application/json',
          size_bytes: PLAN.length,
          sha256: sha256(PLAN),
          uploaded_by: 'mia',
          uploaded_at: expect.any(String),
          href: `/api/v1/changes/${change.id}/artifacts/${change.artifacts[0].id}/content`,
        },
      ]);

      // The change as read afterwards is the one answered.
      const read = await app.call('GET', `/api/v1/changes/${change.id}`, { as: as.viewer });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(change);
    });

    it('serves the raw document back byte for byte, with its digest', async () => {
      const res = await ingest(app, 'terraform', PLAN, `commit_sha=${freshCommit()}`);
      const artifact = res.body.change.artifacts[0];
      const download = await fetch(app.baseUrl + artifact.href, { headers: { 'x-user': 'vera', 'x-role': 'viewer' } });
      expect(download.status).toBe(200);
      const bytes = Buffer.from(await download.arrayBuffer());
      expect(bytes.equals(PLAN)).toBe(true);
      expect(sha256(bytes)).toBe(artifact.sha256);
      expect(download.headers.get('content-type')).toBe('application/json');
      expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${artifact.filename}"`);
      expect(download.headers.get('etag')).toBe(`"${artifact.sha256}"`);
      expect(download.headers.get('content-length')).toBe(String(PLAN.length));
      // An artifact of another change, and one that does not exist, are not found.
      const other = await ingest(app, 'terraform', STATE, `commit_sha=${freshCommit()}`);
      expectProblem(
        await app.call('GET', `/api/v1/changes/${other.body.change.id}/artifacts/${artifact.id}/content`, { as: as.viewer }),
        404,
      );
      expectProblem(await app.call('GET', `/api/v1/changes/${res.body.change.id}/artifacts/987654/content`, { as: as.viewer }), 404);
    });

    it('answers 404 evidence-file-missing when the object is gone from storage', async () => {
      const res = await ingest(app, 'terraform', PLAN, `commit_sha=${freshCommit()}`);
      const { rows } = await app.db.query<{ storage_key: string }>('SELECT storage_key FROM change_artifacts WHERE change_id = $1', [
        res.body.change.id,
      ]);
      await app.store.delete(rows[0]!.storage_key);
      const missing = expectProblem(await app.call('GET', res.body.change.artifacts[0].href, { as: as.viewer }), 404);
      expect(missing.type).toMatch(/evidence-file-missing$/);
    });

    it('records a state: succeeded, finished, no counts, every instance it holds linked', async () => {
      const res = await ingest(app, 'terraform', STATE, `environment=prod&component=web&build_id=state-${freshCommit()}`);
      expect(res.status, res.text).toBe(201);
      const change = res.body.change;
      expect(change).toMatchObject({
        source: 'terraform',
        outcome: 'succeeded',
        counts: { create: 0, update: 0, delete: 0, replace: 0 },
        resources: [],
        finished_at: expect.any(String),
      });
      expect(change.artifacts.map((a: { kind: string }) => a.kind)).toEqual(['terraform-state']);
      // i-…0001 is web-1, i-…40003 is web-2 (instance_id in its hostvars).
      expect(change.hosts).toEqual([
        { hostname: 'web-1', host_id: await hostId('web-1'), stats: null },
        { hostname: 'web-2', host_id: await hostId('web-2'), stats: null },
      ]);
    });

    it('keeps the plan’s counts and resources when the apply’s state arrives on the same change', async () => {
      // Prepare
      const query = `environment=prod&component=web&commit_sha=${freshCommit()}`;
      const planned = await ingest(app, 'terraform', PLAN, query);
      expect(planned.status, planned.text).toBe(201);

      // Act
      const applied = await ingest(app, 'terraform', STATE, query);

      // Assess: one change, now succeeded and finished, with the plan's figures and both documents
      expect(applied.status, applied.text).toBe(201);
      expect(applied.body.change.id).toBe(planned.body.change.id);
      expect(applied.body.change).toMatchObject({
        outcome: 'succeeded',
        counts: planned.body.change.counts,
        resources: planned.body.change.resources,
        finished_at: expect.any(String),
      });
      expect(planned.body.change.resources.length).toBeGreaterThan(0);
      expect(applied.body.change.artifacts.map((a: { kind: string }) => a.kind).sort()).toEqual(['terraform-plan', 'terraform-state']);
    });

    it('replays the same document with the same key: 200, nothing written, the same change back', async () => {
      const query = `environment=prod&component=web&commit_sha=${freshCommit()}`;
      const first = await ingest(app, 'terraform', PLAN, query);
      expect(first.status).toBe(201);
      const before = await kept(app);
      const createdBefore = await ingestCount(app, 'terraform', 'replayed');

      const again = await ingest(app, 'terraform', PLAN, query);
      expect(again.status, again.text).toBe(200);
      expect(again.body.replayed).toBe(true);
      expect(again.body.change).toEqual(first.body.change);
      expect(again.headers.get('location')).toBeNull();
      expect(await kept(app)).toEqual(before);
      expect(await ingestCount(app, 'terraform', 'replayed')).toBe(createdBefore + 1);

      // The same document under another key is another change; without a key, a change of its own, replayed too.
      const elsewhere = await ingest(app, 'terraform', PLAN, `environment=stage&component=web&commit_sha=${freshCommit()}`);
      expect(elsewhere.status).toBe(201);
      expect(elsewhere.body.change.id).not.toBe(first.body.change.id);
      const loose = await ingest(app, 'terraform', PLAN, 'environment=sandbox');
      expect(loose.status).toBe(201);
      expect(loose.body.change).toMatchObject({ commit_sha: null, build_id: null, environment: 'sandbox' });
      const looseAgain = await ingest(app, 'terraform', PLAN, 'environment=sandbox');
      expect(looseAgain.status).toBe(200);
      expect(looseAgain.body.change.id).toBe(loose.body.change.id);
      const looseOther = await ingest(app, 'terraform', STATE, 'environment=sandbox');
      expect(looseOther.status).toBe(201);
      expect(looseOther.body.change.id).not.toBe(loose.body.change.id);
    });

    it('gives two concurrent identical posts one change and one stored object', async () => {
      const commit = freshCommit();
      const query = `environment=prod&component=api&commit_sha=${commit}`;
      const before = await kept(app);
      const answers = await Promise.all([ingest(app, 'terraform', PLAN, query), ingest(app, 'terraform', PLAN, query)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
      expect(answers[0]!.body.change.id).toBe(answers[1]!.body.change.id);
      const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM changes WHERE commit_sha = $1', [commit]);
      expect(rows[0]!.n).toBe(1);
      const after = await kept(app);
      expect(after.artifacts).toBe(before.artifacts + 1);
      expect(after.objects.length).toBe(before.objects.length + 1);
    });

    it('puts two different documents posted at once with one key on one change, newest figures last', async () => {
      const commit = freshCommit();
      const query = `environment=prod&component=batch&commit_sha=${commit}`;
      const answers = await Promise.all([ingest(app, 'terraform', PLAN, query), ingest(app, 'terraform', STATE, query)]);
      expect(answers.map((a) => a.status)).toEqual([201, 201]);
      const { rows } = await app.db.query<{ id: number }>('SELECT id FROM changes WHERE commit_sha = $1', [commit]);
      expect(rows).toHaveLength(1);
      const change = (await app.call('GET', `/api/v1/changes/${rows[0]!.id}`, { as: as.viewer })).body;
      expect(change.artifacts.map((a: { kind: string }) => a.kind).sort()).toEqual(['terraform-plan', 'terraform-state']);
      expect(change.version).toBe(2);
    });

    it('replaces a change’s counts and resources with the newest document’s', async () => {
      const query = `environment=prod&component=web&commit_sha=${freshCommit()}`;
      const plan = await ingest(app, 'terraform', PLAN, query);
      // A second plan that only creates one bucket.
      const doc = JSON.parse(PLAN.toString('utf8'));
      doc.resource_changes = [
        {
          address: 'aws_s3_bucket.logs',
          mode: 'managed',
          type: 'aws_s3_bucket',
          name: 'logs',
          provider_name: 'registry.terraform.io/hashicorp/aws',
          change: { actions: ['create'], before: null, after: { bucket: 'logs' }, after_unknown: { id: true } },
        },
      ];
      const second = await ingest(app, 'terraform', JSON.stringify(doc), query);
      expect(second.status, second.text).toBe(201);
      expect(second.body.change.id).toBe(plan.body.change.id);
      expect(second.body.change).toMatchObject({ counts: { create: 1, update: 0, delete: 0, replace: 0 }, version: 2 });
      expect(second.body.change.resources).toEqual([
        { address: 'aws_s3_bucket.logs', type: 'aws_s3_bucket', name: 'logs', action: 'create' },
      ]);
      expect(second.body.change.artifacts).toHaveLength(2);
      // The title stays the one it was given when made; a title in the query replaces it.
      expect(second.body.change.title).toBe(plan.body.change.title);
      const titled = await ingest(app, 'terraform', STATE, `${query}&title=Apply%20of%20the%20web%20tier`);
      expect(titled.body.change).toMatchObject({ title: 'Apply of the web tier', outcome: 'succeeded', version: 3 });
    });
  });

  describe('Ansible', () => {
    it('links the hosts a recap named before they were in the inventory once the inventory brings them', async () => {
      // Prepare: the fixtures with hosts of their own (late-db-1, late-web-1, late-web-2), not in the estate yet
      const late = (doc: Buffer) => doc.toString('utf8').replace(/\b(db-1|web-1|web-2)\b/g, 'late-$1');
      const recap = await ingest(app, 'ansible', late(RECAP), `environment=late&component=web&commit_sha=${freshCommit()}`);
      expect(recap.status, recap.text).toBe(201);
      expect(recap.body.change.hosts.map((h: { host_id: number | null }) => h.host_id)).toEqual([null, null, null]);

      // Act: the inventory brings two of them; the third is made by hand
      const inventory = JSON.parse(late(INVENTORY)) as Record<string, { hosts?: string[]; hostvars?: Record<string, unknown> }>;
      delete inventory._meta!.hostvars!['late-web-2'];
      // Their own hosts: not the instances of the fixtures' web-1 and web-2, which other tests' plans link.
      for (const vars of Object.values(inventory._meta!.hostvars!) as Record<string, unknown>[]) {
        delete vars.ec2_instance_id;
        delete vars.instance_id;
      }
      for (const group of Object.values(inventory)) if (group.hosts) group.hosts = group.hosts.filter((h) => h !== 'late-web-2');
      const synced = await ingest(app, 'inventory', JSON.stringify(inventory), 'environment=late');
      expect(synced.status, synced.text).toBe(201);
      expect((await app.call('POST', '/api/v1/hosts', { as: as.member, body: { hostname: 'LATE-WEB-2' } })).status).toBe(201);

      // Assess: the change now reaches all three, and their changes list it
      const change = (await app.call('GET', `/api/v1/changes/${recap.body.change.id}`, { as: as.viewer })).body;
      for (const h of change.hosts as { hostname: string; host_id: number | null }[]) expect(h.host_id).toBe(await hostId(h.hostname));
      for (const name of ['late-db-1', 'late-web-2']) {
        const byHost = await app.call('GET', `/api/v1/changes?host_id=${await hostId(name)}`, { as: as.viewer });
        expect(byHost.body.items.map((c: { id: number }) => c.id)).toEqual([recap.body.change.id]);
      }
    });

    it('attaches a recap to the change of the same key: task outcomes per host, stats, partial outcome, host activity', async () => {
      const commit = freshCommit();
      const query = `environment=prod&component=web&commit_sha=${commit}&build_id=ci-7`;
      const plan = await ingest(app, 'terraform', PLAN, query);
      const activityBefore = await activityOf('web-1');

      const res = await ingest(app, 'ansible', RECAP, query);
      expect(res.status, res.text).toBe(201);
      const change = res.body.change;
      expect(change.id).toBe(plan.body.change.id);
      // Two of three hosts failed or were unreachable.
      expect(change).toMatchObject({ outcome: 'partial', source: 'terraform', counts: plan.body.change.counts, version: 2 });
      expect(change.finished_at).toBe('2024-05-14T03:05:58.240Z');
      expect(change.started_at).toBe('2024-05-14T02:40:03.000Z');
      expect(change.tasks).toEqual([
        {
          play: 'Patch web and database servers',
          task: 'Gathering Facts',
          hostname: 'db-1',
          outcome: 'unreachable',
          msg: expect.stringMatching(/timed out/),
        },
        { play: 'Patch web and database servers', task: 'Gathering Facts', hostname: 'web-1', outcome: 'ok', msg: null },
        { play: 'Patch web and database servers', task: 'Gathering Facts', hostname: 'web-2', outcome: 'ok', msg: null },
        {
          play: 'Patch web and database servers',
          task: 'Install security updates',
          hostname: 'web-1',
          outcome: 'changed',
          msg: expect.any(String),
        },
        {
          play: 'Patch web and database servers',
          task: 'Install security updates',
          hostname: 'web-2',
          outcome: 'failed',
          msg: expect.stringMatching(/lock/),
        },
        {
          play: 'Patch web and database servers',
          task: 'Reboot when the kernel was updated',
          hostname: 'web-1',
          outcome: 'skipped',
          msg: null,
        },
        { play: 'Configure nginx', task: 'Render nginx.conf', hostname: 'web-1', outcome: 'changed', msg: null },
        { play: 'Configure nginx', task: 'reload nginx', hostname: 'web-1', outcome: 'changed', msg: null },
      ]);
      const [db1, web1, web2] = [await hostId('db-1'), await hostId('web-1'), await hostId('web-2')];
      const stats = (ok: number, changed: number, failures: number, unreachable: number, skipped: number) => ({
        ok,
        changed,
        failures,
        unreachable,
        skipped,
        rescued: 0,
        ignored: 0,
      });
      // web-1 was linked by the plan (instance id) and now has the recap's stats too.
      expect(change.hosts).toEqual([
        { hostname: 'db-1', host_id: db1, stats: stats(0, 0, 0, 1, 0) },
        { hostname: 'web-1', host_id: web1, stats: stats(4, 3, 0, 0, 1) },
        { hostname: 'web-2', host_id: web2, stats: stats(1, 0, 1, 0, 0) },
      ]);
      expect(change.artifacts.map((a: { kind: string }) => a.kind)).toEqual(['terraform-plan', 'ansible-recap']);

      // One activity row per known host, linked to the change.
      const activity = await activityOf('web-1');
      expect(activity.length).toBe(activityBefore.length + 1);
      expect(activity[0]).toMatchObject({
        kind: 'ansible',
        summary: 'Ansible Patch web and database servers: ok=4 changed=3 failed=0 unreachable=0',
        outcome: 'changed',
        change_id: change.id,
        actor: 'mia',
      });
      expect((await activityOf('web-2'))[0]).toMatchObject({ kind: 'ansible', outcome: 'failed', change_id: change.id });
      expect((await activityOf('db-1'))[0]).toMatchObject({ kind: 'ansible', outcome: 'unreachable', change_id: change.id });
    });

    it('makes a change of its own for a recap without a key, titled after its first play, and replaces its stats with a newer recap', async () => {
      const res = await ingest(app, 'ansible', RECAP, `environment=lab&build_id=run-${freshCommit()}`);
      expect(res.status, res.text).toBe(201);
      expect(res.body.change).toMatchObject({
        title: 'Ansible: Patch web and database servers',
        source: 'ansible',
        outcome: 'partial',
        started_at: '2024-05-14T03:05:02.118Z',
        finished_at: '2024-05-14T03:05:58.240Z',
      });
      // Every host failed or unreachable: failed. The newer recap's tasks and stats replace the earlier ones.
      const recap = JSON.parse(RECAP.toString('utf8'));
      recap.stats['web-1'].failures = 2;
      recap.plays = recap.plays.slice(1);
      const query = `environment=lab&build_id=${res.body.change.build_id}`;
      const worse = await ingest(app, 'ansible', JSON.stringify(recap), query);
      expect(worse.status, worse.text).toBe(201);
      expect(worse.body.change.id).toBe(res.body.change.id);
      expect(worse.body.change.outcome).toBe('failed');
      expect(worse.body.change.tasks.map((t: { task: string }) => t.task)).toEqual(['Render nginx.conf', 'reload nginx']);
      expect(worse.body.change.hosts.find((h: { hostname: string }) => h.hostname === 'web-1').stats.failures).toBe(2);
      // None troubled: succeeded.
      for (const host of Object.values(recap.stats) as { failures: number; unreachable: number }[]) {
        host.failures = 0;
        host.unreachable = 0;
      }
      const fine = await ingest(app, 'ansible', JSON.stringify(recap), query);
      expect(fine.body.change.outcome).toBe('succeeded');
    });

    it('records stats, not activity, for hosts that are not in the inventory', async () => {
      const recap = JSON.parse(RECAP.toString('utf8'));
      recap.stats = { 'stranger-9': recap.stats['web-1'] };
      recap.plays[0].tasks = [];
      recap.plays[1].tasks = [];
      const before = await kept(app);
      const res = await ingest(app, 'ansible', JSON.stringify(recap), `commit_sha=${freshCommit()}`);
      expect(res.status, res.text).toBe(201);
      expect(res.body.change.hosts).toEqual([
        {
          hostname: 'stranger-9',
          host_id: null,
          stats: { ok: 4, changed: 3, failures: 0, unreachable: 0, skipped: 1, rescued: 0, ignored: 0 },
        },
      ]);
      expect((await kept(app)).activity).toBe(before.activity);
    });
  });

  describe('inventory', () => {
    it('upserts hosts with the source, retires those of that source and environment that vanished, and brings them back', async () => {
      const own = await startApp(engine);
      try {
        const first = await ingest(own, 'inventory', INVENTORY, 'environment=prod&component=web');
        expect(first.status, first.text).toBe(201);
        expect(first.body).toEqual({ change: null, replayed: false, hosts: { created: 5, updated: 0, retired: 0, unchanged: 0 } });
        const hosts = await hostsOf(own);
        expect(hosts.map((h) => h.hostname)).toEqual(['bastion', 'db-1', 'mon-1', 'web-1', 'web-2']);
        expect(hosts.every((h) => h.source === 'ansible' && h.status === 'unknown' && h.environment === 'prod')).toBe(true);
        expect(hosts.find((h) => h.hostname === 'web-1')).toMatchObject({
          ip_addresses: ['10.0.1.11'],
          instance_id: 'i-0a1b2c3d4e5f60001',
          component: 'web',
        });
        expect(hosts.find((h) => h.hostname === 'web-1')!.tags).toEqual(expect.arrayContaining(['webservers']));
        // The same inventory again writes nothing.
        const again = await ingest(own, 'inventory', INVENTORY, 'environment=prod');
        expect(again.status).toBe(200);
        expect(again.body.hosts).toEqual({ created: 0, updated: 0, retired: 0, unchanged: 5 });
        expect(await hostsOf(own)).toEqual(hosts);

        // A manual host and an ansible host of another environment are out of scope.
        await own.db.query(
          `INSERT INTO hosts (hostname, source, environment, created_by, updated_by) VALUES
           ('manual-1', 'manual', 'prod', 't', 't'), ('stage-1', 'ansible', 'stage', 't', 't')`,
        );
        const doc = JSON.parse(INVENTORY.toString('utf8'));
        delete doc._meta.hostvars['db-1'];
        doc.dbservers.hosts = [];
        doc._meta.hostvars['WEB-1'] = { ...doc._meta.hostvars['web-1'], ansible_host: '10.0.1.99' };
        delete doc._meta.hostvars['web-1'];
        doc.webservers.hosts = ['WEB-1', 'web-2'];
        doc.tag_Role_Web.hosts = ['WEB-1', 'web-2'];
        const second = await ingest(own, 'inventory', JSON.stringify(doc), 'environment=prod');
        expect(second.status, second.text).toBe(201);
        expect(second.body.hosts).toEqual({ created: 0, updated: 1, retired: 1, unchanged: 3 });
        const after = await hostsOf(own);
        expect(after.find((h) => h.hostname === 'db-1')).toMatchObject({ status: 'retired', version: 2 });
        // Found by name whatever its case; the stored spelling stays.
        expect(after.find((h) => h.hostname === 'web-1')).toMatchObject({ ip_addresses: ['10.0.1.99'], status: 'unknown' });
        expect(after.find((h) => h.hostname === 'manual-1')!.status).toBe('unknown');
        expect(after.find((h) => h.hostname === 'stage-1')!.status).toBe('unknown');
        const retiredActivity = await activityOf('db-1', own);
        expect(retiredActivity[0]).toMatchObject({ kind: 'inventory', from_status: 'unknown', to_status: 'retired', outcome: 'succeeded' });

        // Without an environment, every ansible host the document lacks is retired (stage-1 too); manual hosts never.
        const third = await ingest(own, 'inventory', JSON.stringify(doc));
        expect(third.body.hosts).toMatchObject({ retired: 1 });
        expect((await hostsOf(own)).find((h) => h.hostname === 'stage-1')!.status).toBe('retired');

        // db-1 reappears: unknown again, with its history kept.
        const back = await ingest(own, 'inventory', INVENTORY, 'environment=prod');
        expect(back.status).toBe(201);
        expect(back.body.hosts).toEqual({ created: 0, updated: 2, retired: 0, unchanged: 3 });
        expect((await hostsOf(own)).find((h) => h.hostname === 'db-1')).toMatchObject({ status: 'unknown', version: 3 });
        const history = await activityOf('db-1', own);
        expect(history.map((a) => [a.from_status, a.to_status])).toEqual([
          ['retired', 'unknown'],
          ['unknown', 'retired'],
        ]);
      } finally {
        await own.close();
      }
    });

    it('takes a Terraform state’s aws_instance resources as hosts of source terraform', async () => {
      const own = await startApp(engine);
      try {
        const res = await ingest(own, 'inventory', STATE, 'environment=prod');
        expect(res.status, res.text).toBe(201);
        expect(res.body.hosts).toEqual({ created: 2, updated: 0, retired: 0, unchanged: 0 });
        const hosts = await hostsOf(own);
        expect(hosts.map((h) => [h.hostname, h.source, h.instance_id])).toEqual([
          ['app-1', 'terraform', 'i-0a1b2c3d4e5f60001'],
          ['ip-10-0-1-12.eu-west-1.compute.internal', 'terraform', 'i-0f9e8d7c6b5a40003'],
        ]);
        expect(hosts[0]!.ip_addresses).toContain('10.0.1.11');
        // No change, no artifact: the inventory document is not kept.
        expect(await kept(own)).toMatchObject({ changes: 0, artifacts: 0, objects: [] });
      } finally {
        await own.close();
      }
    });
  });

  describe('refusals keep nothing', () => {
    it('refuses another content type with 415', async () => {
      const before = await kept(app);
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        const res = await app.call('POST', '/api/v1/ingest/terraform', { body: PLAN.toString('utf8'), headers: { 'content-type': type } });
        expectProblem(res, 415);
      }
      expectProblem(await app.call('POST', '/api/v1/ingest/inventory', { body: '{}', headers: { 'content-type': 'text/json' } }), 415);
      expect(await kept(app)).toEqual(before);
    });

    it('refuses malformed JSON and a wrong shape with 400 invalid-document saying where it broke', async () => {
      const before = await kept(app);
      const broken = expectProblem(await ingest(app, 'terraform', fixture('plan-trailing-comma.json')), 400);
      expect(broken.type).toMatch(/invalid-document$/);
      expect(broken.detail).toMatch(/line 18, column \d+ \(byte \d+\)/);
      expect(broken.errors?.[0]?.path).toBe('(document)');

      const truncated = expectProblem(await ingest(app, 'terraform', fixture('plan-truncated.json')), 400);
      expect(truncated.type).toMatch(/invalid-document$/);
      expect(truncated.detail).toMatch(/line \d+, column \d+ \(byte \d+\)/);

      const actions = expectProblem(await ingest(app, 'terraform', fixture('plan-bad-actions.json')), 400);
      expect(actions.type).toMatch(/invalid-document$/);
      expect(actions.errors!.map((e) => e.path)).toContain('resource_changes[3].change.actions');
      expect(actions.detail).toContain('resource_changes[3].change.actions');

      const stats = expectProblem(await ingest(app, 'ansible', fixture('recap-bad-stats.json')), 400);
      expect(stats.errors!.map((e) => e.path).join(' ')).toMatch(/stats.*web-1.*failures/);

      expectProblem(await ingest(app, 'inventory', fixture('inventory-unknown-shape.json')), 400);
      // A recap posted as a plan, and an empty body.
      expect(expectProblem(await ingest(app, 'terraform', RECAP), 400).type).toMatch(/invalid-document$/);
      expect(expectProblem(await ingest(app, 'ansible', ''), 400).type).toMatch(/invalid-document$/);
      expect(await kept(app)).toEqual(before);
    });

    it('lets a viewer ingest nothing (403), and refuses a bad correlation key (400)', async () => {
      const before = await kept(app);
      for (const kind of ['terraform', 'ansible', 'inventory'] as Kind[]) {
        expectProblem(await ingest(app, kind, kind === 'inventory' ? INVENTORY : kind === 'ansible' ? RECAP : PLAN, '', as.viewer), 403);
      }
      expectProblem(await ingest(app, 'terraform', PLAN, 'commit_sha=not-hex'), 400);
      expectProblem(await ingest(app, 'terraform', PLAN, 'build_id=has%20space'), 400);
      expectProblem(await ingest(app, 'terraform', PLAN, 'colour=blue'), 400);
      expect(await kept(app)).toEqual(before);
    });

    it('undoes everything when the transaction fails late: no change, no activity, no object', async () => {
      await app.db.exec(`
        CREATE FUNCTION test_fail_tasks() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$;
        CREATE TRIGGER test_fail_tasks BEFORE INSERT ON change_tasks FOR EACH ROW EXECUTE FUNCTION test_fail_tasks();`);
      try {
        const commit = freshCommit();
        const before = await kept(app);
        const failedBefore = await ingestCount(app, 'ansible', 'failed');
        const res = await ingest(app, 'ansible', RECAP, `environment=prod&component=web&commit_sha=${commit}`);
        expectProblem(res, 500);
        expect(await kept(app)).toEqual(before);
        expect(await ingestCount(app, 'ansible', 'failed')).toBe(failedBefore + 1);
      } finally {
        await app.db.exec('DROP TRIGGER test_fail_tasks ON change_tasks; DROP FUNCTION test_fail_tasks();');
      }
    });

    it('answers 413 as soon as a document passes INGEST_MAX_BYTES, and 503 with Retry-After beyond MAX_CONCURRENT_INGESTS', async () => {
      const small = await startApp(engine, { config: { INGEST_MAX_BYTES: 4096, MAX_CONCURRENT_INGESTS: 1 } });
      try {
        const before = await kept(small);
        // Declared too long: refused before a byte is read.
        expectProblem(await ingest(small, 'terraform', PLAN), 413);
        // Not declared (chunked): refused once the limit is passed, while the client is still sending.
        const sending = trickle(small, '/api/v1/ingest/terraform', PLAN.subarray(0, 8192));
        const answer = await sending.answer;
        sending.abort();
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.text).type).toMatch(/too-large$/);

        // One document in progress (its body still coming): a second is 503 with Retry-After.
        const doc = Buffer.from(JSON.stringify({ format_version: '1.2', planned_values: {}, resource_changes: [] }));
        const slow = trickle(small, '/api/v1/ingest/terraform?commit_sha=0123abc', doc.subarray(0, 10));
        await new Promise((r) => setTimeout(r, 200));
        const refused = await ingest(small, 'inventory', INVENTORY);
        expect(expectProblem(refused, 503).detail).toContain('MAX_CONCURRENT_INGESTS=1');
        expect(refused.headers.get('retry-after')).toBe('5');
        slow.finish(doc.subarray(10));
        const done = await slow.answer;
        expect(done.status, done.text).toBe(201);
        expect(await kept(small)).toMatchObject({ changes: 1, artifacts: 1 });
        expect(before).toMatchObject({ changes: 0 });
        // The slot is free again.
        expect((await ingest(small, 'inventory', INVENTORY)).status).toBe(201);
        expect(await ingestCount(small, 'terraform', 'rejected')).toBe(2);
        // A 503 is the server's failure to take it, not the document's.
        expect(await ingestCount(small, 'inventory', 'failed')).toBe(1);
      } finally {
        await small.close();
      }
    });
  });

  it('counts every post in ingest_documents_total by kind and outcome', async () => {
    const before = {
      created: await ingestCount(app, 'terraform', 'created'),
      rejected: await ingestCount(app, 'terraform', 'rejected'),
    };
    await ingest(app, 'terraform', PLAN, `commit_sha=${freshCommit()}`);
    await ingest(app, 'terraform', '{', `commit_sha=${freshCommit()}`);
    await ingest(app, 'terraform', PLAN, '', as.viewer);
    expect(await ingestCount(app, 'terraform', 'created')).toBe(before.created + 1);
    expect(await ingestCount(app, 'terraform', 'rejected')).toBe(before.rejected + 2);
  });

  // ------------------------------------------------------------ helpers

  async function hostId(hostname: string, on: TestApp = app): Promise<number> {
    const { rows } = await on.db.query<{ id: number }>('SELECT id FROM hosts WHERE lower(hostname) = lower($1)', [hostname]);
    if (!rows[0]) throw new Error(`no host ${hostname}`);
    return rows[0].id;
  }

  async function activityOf(hostname: string, on: TestApp = app) {
    const { rows } = await on.db.query<{
      kind: string;
      summary: string;
      outcome: string;
      from_status: string | null;
      to_status: string | null;
      change_id: number | null;
      actor: string;
    }>(
      `SELECT kind, summary, outcome, from_status, to_status, change_id, actor FROM host_activity
       WHERE host_id = (SELECT id FROM hosts WHERE lower(hostname) = lower($1)) ORDER BY id DESC`,
      [hostname],
    );
    return rows;
  }

  async function hostsOf(on: TestApp) {
    const { rows } = await on.db.query<{
      hostname: string;
      source: string;
      status: string;
      environment: string | null;
      component: string | null;
      ip_addresses: string[];
      instance_id: string | null;
      tags: string[];
      version: number;
    }>(
      `SELECT hostname, source, status, environment, component, ip_addresses, instance_id, tags, version FROM hosts ORDER BY lower(hostname)`,
    );
    return rows;
  }
});
