import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DocumentError, parseJson } from '../../../lib/ingest/document';
import { MAX_MODULE_DEPTH, readTerraform } from '../../../lib/ingest/terraform';

const fixture = (name: string) => parseJson(readFileSync(new URL(`../../fixtures/ingest/${name}`, import.meta.url)));

function thrown(act: () => unknown): DocumentError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return error as DocumentError;
  }
  throw new Error('expected a DocumentError');
}

/** A plan of these resource changes, as terraform show -json prints one. */
function plan(changes: object[], extra: object = {}) {
  return {
    format_version: '1.2',
    terraform_version: '1.9.5',
    planned_values: { root_module: {} },
    resource_changes: changes,
    timestamp: '2024-05-14T02:40:03Z',
    applyable: true,
    complete: true,
    errored: false,
    ...extra,
  };
}

function change(address: string, actions: string[], before: object | null = null, after: object | null = null, type = 'aws_s3_bucket') {
  const name = address.split('.').at(-1)!.replace(/\[.*$/, '');
  return {
    address,
    mode: 'managed',
    type,
    name,
    provider_name: 'registry.terraform.io/hashicorp/aws',
    change: { actions, before, after, after_unknown: {}, before_sensitive: before ? {} : false, after_sensitive: after ? {} : false },
  };
}

function state(rootResources: object[], childModules: object[] = []) {
  return {
    format_version: '1.0',
    terraform_version: '1.9.5',
    values: { outputs: {}, root_module: { resources: rootResources, child_modules: childModules } },
  };
}

function instance(address: string, values: object, extra: object = {}) {
  const name = address.split('.').at(-1)!.replace(/\[.*$/, '');
  return {
    address,
    mode: 'managed',
    type: 'aws_instance',
    name,
    provider_name: 'registry.terraform.io/hashicorp/aws',
    schema_version: 1,
    values,
    sensitive_values: {},
    ...extra,
  };
}

describe('readTerraform: a plan', () => {
  it('reads plan.json: counts, touched resources and instance ids', () => {
    // Prepare
    const doc = fixture('plan.json');

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.kind).toBe('terraform-plan');
    expect(read.formatVersion).toBe('1.2');
    expect(read.terraformVersion).toBe('1.9.5');
    expect(read.timestamp).toBe('2024-05-14T02:40:03.000Z');
    expect(read.counts).toEqual({ create: 1, update: 1, delete: 1, replace: 2 });
    expect(read.resources).toEqual([
      { address: 'aws_instance.legacy', type: 'aws_instance', name: 'legacy', action: 'delete', instanceId: 'i-07e1f2a3b4c5d6e7f' },
      { address: 'aws_security_group.web', type: 'aws_security_group', name: 'web', action: 'create', instanceId: null },
      { address: 'module.app.aws_instance.web[0]', type: 'aws_instance', name: 'web', action: 'update', instanceId: 'i-0a1b2c3d4e5f60001' },
      {
        address: 'module.app.aws_instance.web[1]',
        type: 'aws_instance',
        name: 'web',
        action: 'replace',
        instanceId: 'i-0a1b2c3d4e5f60002',
      },
      { address: 'module.app.aws_lb_target_group.web', type: 'aws_lb_target_group', name: 'web', action: 'replace', instanceId: null },
    ]);
    expect(read.instanceIds).toEqual(['i-07e1f2a3b4c5d6e7f', 'i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002']);
    expect(read.instances).toEqual([]);
  });

  it('counts each action as the spec says: both replace orders, no-op and read nothing', () => {
    // Prepare
    const doc = plan([
      change('a.create', ['create'], null, {}),
      change('a.update', ['update'], {}, {}),
      change('a.delete', ['delete'], {}, null),
      change('a.replace_dc', ['delete', 'create'], {}, {}),
      change('a.replace_cd', ['create', 'delete'], {}, {}),
      change('a.noop', ['no-op'], {}, {}),
      change('a.read', ['read'], null, {}),
      change('a.create2', ['create'], null, {}),
    ]);

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.counts).toEqual({ create: 2, update: 1, delete: 1, replace: 2 });
    expect(read.resources.map((r) => [r.address, r.action])).toEqual([
      ['a.create', 'create'],
      ['a.update', 'update'],
      ['a.delete', 'delete'],
      ['a.replace_dc', 'replace'],
      ['a.replace_cd', 'replace'],
      ['a.create2', 'create'],
    ]);
  });

  it('leaves out forget, and counts create-then-forget as a replace (Terraform 1.7 removed blocks)', () => {
    // Prepare
    const doc = plan([change('a.kept', ['forget'], {}, null), change('a.swapped', ['create', 'forget'], {}, {})]);

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.counts).toEqual({ create: 0, update: 0, delete: 0, replace: 1 });
    expect(read.resources.map((r) => r.address)).toEqual(['a.swapped']);
  });

  it('takes instance ids only from managed aws_instance changes that touch something, before or after', () => {
    // Prepare
    const doc = plan([
      change('aws_instance.same', ['no-op'], { id: 'i-000000000000noop' }, { id: 'i-000000000000noop' }, 'aws_instance'),
      change('aws_instance.moved', ['update'], { id: 'i-0000000000000001' }, { id: 'i-0000000000000001' }, 'aws_instance'),
      change('aws_instance.imported', ['create'], null, { id: 'i-0000000000000002' }, 'aws_instance'),
      change('aws_instance.fresh', ['create'], null, { ami: 'ami-1' }, 'aws_instance'),
      change('aws_s3_bucket.logs', ['delete'], { id: 'acme-logs' }, null),
      { ...change('data.aws_instance.peer', ['read'], null, { id: 'i-00000000000000d1' }, 'aws_instance'), mode: 'data' },
    ]);

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.instanceIds).toEqual(['i-0000000000000001', 'i-0000000000000002']);
    expect(read.resources.map((r) => [r.address, r.instanceId])).toEqual([
      ['aws_instance.moved', 'i-0000000000000001'],
      ['aws_instance.imported', 'i-0000000000000002'],
      ['aws_instance.fresh', null],
      ['aws_s3_bucket.logs', null],
    ]);
  });

  it('lists an address once when a deposed object shares it, as a replace, and counts both', () => {
    // Prepare: create_before_destroy left a deposed object behind; this plan creates anew and destroys the deposed one
    const deposed = { ...change('aws_instance.web', ['delete'], { id: 'i-00000000000000de' }, null, 'aws_instance'), deposed: '3a1f0c2b' };
    const doc = plan([change('aws_instance.web', ['create'], null, { ami: 'ami-1' }, 'aws_instance'), deposed]);

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.counts).toEqual({ create: 1, update: 0, delete: 1, replace: 0 });
    expect(read.resources).toEqual([
      { address: 'aws_instance.web', type: 'aws_instance', name: 'web', action: 'replace', instanceId: 'i-00000000000000de' },
    ]);
  });

  it('reads a plan without changes, and one without a timestamp (before Terraform 1.5)', () => {
    // Prepare
    const { resource_changes: _none, timestamp: _t, ...empty } = plan([]);

    // Act
    const read = readTerraform(empty);

    // Assess
    expect(read.kind).toBe('terraform-plan');
    expect(read.counts).toEqual({ create: 0, update: 0, delete: 0, replace: 0 });
    expect(read.resources).toEqual([]);
    expect(read.timestamp).toBeNull();
  });

  it('returns nothing of the before and after objects but their ids', () => {
    // Prepare: a plan of 20 000 changes with large before/after objects (over 40 MB as JSON)
    const blob = 'x'.repeat(1_000);
    const changes = Array.from({ length: 20_000 }, (_, i) =>
      change(
        `aws_instance.web[${i}]`,
        ['update'],
        { id: `i-${String(i).padStart(17, '0')}`, user_data: blob },
        { id: `i-${String(i).padStart(17, '0')}`, user_data: blob + 'y' },
        'aws_instance',
      ),
    );
    const doc = plan(changes);

    // Act
    const started = performance.now();
    const read = readTerraform(doc);
    const took = performance.now() - started;

    // Assess
    expect(read.resources).toHaveLength(20_000);
    expect(read.instanceIds).toHaveLength(20_000);
    expect(JSON.stringify(read)).not.toContain(blob);
    expect(took).toBeLessThan(5_000);
  });
});

describe('readTerraform: a state', () => {
  it('reads state.json: the two aws_instance of its child module as hosts, counts zero', () => {
    // Prepare
    const doc = fixture('state.json');

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.kind).toBe('terraform-state');
    expect(read.formatVersion).toBe('1.0');
    expect(read.timestamp).toBeNull();
    expect(read.counts).toEqual({ create: 0, update: 0, delete: 0, replace: 0 });
    expect(read.resources).toEqual([]);
    expect(read.instanceIds).toEqual(['i-0a1b2c3d4e5f60001', 'i-0f9e8d7c6b5a40003']);
    expect(read.instances).toEqual([
      { hostname: 'app-1', ip_addresses: ['10.0.1.11', '203.0.113.10'], os: null, instance_id: 'i-0a1b2c3d4e5f60001', tags: [] },
      {
        hostname: 'ip-10-0-1-12.eu-west-1.compute.internal',
        ip_addresses: ['10.0.1.12'],
        os: null,
        instance_id: 'i-0f9e8d7c6b5a40003',
        tags: [],
      },
    ]);
  });

  it('names a host by its Name tag, else its private DNS name, else its id', () => {
    // Prepare
    const doc = state([
      instance('aws_instance.a', { id: 'i-000000000000000a', private_dns: 'ip-10-0-0-1.ec2.internal', tags: { Name: 'alpha' } }),
      instance('aws_instance.b', { id: 'i-000000000000000b', private_dns: 'ip-10-0-0-2.ec2.internal', tags: { Name: '' } }),
      instance('aws_instance.c', { id: 'i-000000000000000c', private_dns: '', tags: null }),
    ]);

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.instances.map((h) => h.hostname)).toEqual(['alpha', 'ip-10-0-0-2.ec2.internal', 'i-000000000000000c']);
  });

  it('finds instances in nested modules, with count and for_each, and skips data sources and deposed objects', () => {
    // Prepare
    const doc = state(
      [
        instance('aws_instance.bastion', { id: 'i-0000000000000b01', private_ip: '10.0.0.5', public_ip: '' }),
        { ...instance('data.aws_instance.peer', { id: 'i-00000000000000d1' }), mode: 'data' },
        {
          address: 'aws_eip.bastion',
          mode: 'managed',
          type: 'aws_eip',
          name: 'bastion',
          values: { id: 'eipalloc-1', instance: 'i-0000000000000b01' },
        },
      ],
      [
        {
          address: 'module.fleet',
          resources: [
            instance('module.fleet.aws_instance.node[0]', { id: 'i-0000000000000f00', tags: { Name: 'node-0' } }, { index: 0 }),
            instance('module.fleet.aws_instance.node[1]', { id: 'i-0000000000000f01', tags: { Name: 'node-1' } }, { index: 1 }),
            instance(
              'module.fleet.aws_instance.node[1]',
              { id: 'i-0000000000000f0d', tags: { Name: 'node-1' } },
              { index: 1, deposed_key: '00000001' },
            ),
          ],
          child_modules: [
            {
              address: 'module.fleet.module.edge',
              resources: [
                instance(
                  'module.fleet.module.edge.aws_instance.proxy["eu"]',
                  { id: 'i-0000000000000e01', tags: { Name: 'proxy-eu' } },
                  { index: 'eu' },
                ),
                instance(
                  'module.fleet.module.edge.aws_instance.proxy["us"]',
                  { id: 'i-0000000000000e02', tags: { Name: 'proxy-us' } },
                  { index: 'us' },
                ),
              ],
            },
          ],
        },
      ],
    );

    // Act
    const read = readTerraform(doc);

    // Assess
    expect(read.instances.map((h) => [h.hostname, h.instance_id, h.ip_addresses])).toEqual([
      ['i-0000000000000b01', 'i-0000000000000b01', ['10.0.0.5']],
      ['node-0', 'i-0000000000000f00', []],
      ['node-1', 'i-0000000000000f01', []],
      ['proxy-eu', 'i-0000000000000e01', []],
      ['proxy-us', 'i-0000000000000e02', []],
    ]);
    expect(read.instanceIds).toEqual([
      'i-0000000000000b01',
      'i-0000000000000f00',
      'i-0000000000000f01',
      'i-0000000000000e01',
      'i-0000000000000e02',
    ]);
  });

  it('reads an empty state (terraform show -json prints only format_version) as no instances', () => {
    // Act
    const read = readTerraform({ format_version: '1.0' });

    // Assess
    expect(read.kind).toBe('terraform-state');
    expect(read.instances).toEqual([]);
    expect(read.terraformVersion).toBeNull();
  });

  it('names an instance whose Name tag is not a host name ("app server 1") by its private DNS name', () => {
    // Act
    const read = readTerraform(fixture('state-spaced-name.json'));

    // Assess
    expect(read.instances.map((h) => h.hostname)).toContain('ip-10-0-1-11.eu-west-1.compute.internal');
    expect(read.instances.map((h) => h.hostname)).not.toContain('app server 1');
  });

  it('refuses modules nested deeper than MAX_MODULE_DEPTH, at the module that is too deep', () => {
    // Prepare: a state whose root holds 50,000 modules, each the only child of the one before
    let module: Record<string, unknown> = { resources: [] };
    for (let i = 0; i < 50_000; i++) module = { resources: [], child_modules: [module] };
    const doc = { format_version: '1.0', terraform_version: '1.11.4', values: { root_module: module } };

    // Act
    const error = thrown(() => readTerraform(doc));

    // Assess
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]!.message).toBe(`modules nested more than ${MAX_MODULE_DEPTH} deep`);
    expect(error.errors[0]!.path.split('child_modules[0]').length - 1).toBe(MAX_MODULE_DEPTH + 1);
  });

  it('refuses an address that is not an IP, and an instance without an id', () => {
    // Prepare
    const doc = state([
      instance('aws_instance.a', { id: 'i-000000000000000a', private_ip: '10.0.0.300' }),
      instance('aws_instance.b', { private_dns: 'ip-10-0-0-2.ec2.internal' }),
    ]);

    // Act
    const error = thrown(() => readTerraform(doc));

    // Assess
    expect(error.errors).toEqual([
      { path: 'values.root_module.resources[0].values.private_ip', message: 'must be an IPv4 or IPv6 address' },
      { path: 'values.root_module.resources[1].values.id', message: 'is required' },
    ]);
  });
});

describe('readTerraform: malformed documents', () => {
  it('refuses plan-bad-actions.json at resource_changes[3].change.actions, naming the path first', () => {
    // Act
    const error = thrown(() => readTerraform(fixture('plan-bad-actions.json')));

    // Assess
    expect(error.errors.map((e) => e.path)).toEqual(['resource_changes[3].change.actions']);
    expect(error.errors[0]!.message).toMatch(
      /^must be one of \["create"\], \["update"\], \["delete"\], \["delete","create"\], \["create","delete"\]/,
    );
    expect(error.message).toMatch(
      /^Not a Terraform plan or state \(terraform show -json\): resource_changes\[3\]\.change\.actions: must be one of/,
    );
  });

  it('lists every wrong resource change, and says how many more there are than it shows', () => {
    // Prepare: 25 changes without a type
    const doc = plan(Array.from({ length: 25 }, (_, i) => ({ ...change(`a.b${i}`, ['create']), type: undefined })));

    // Act
    const error = thrown(() => readTerraform(doc));

    // Assess
    expect(error.errors).toHaveLength(20);
    expect(error.errors[0]).toEqual({ path: 'resource_changes[0].type', message: 'is required' });
    expect(error.message).toBe(
      'Not a Terraform plan or state (terraform show -json): resource_changes[0].type: is required (and 24 more problems)',
    );
  });

  it('refuses another major format version, and a format_version that is not a string', () => {
    expect(thrown(() => readTerraform(plan([], { format_version: '2.0' }))).errors[0]!.path).toBe('format_version');
    expect(thrown(() => readTerraform(plan([], { format_version: 1.2 }))).errors).toEqual([
      { path: 'format_version', message: 'must be a string' },
    ]);
    expect(thrown(() => readTerraform({ terraform_version: '1.9.5', values: {} })).errors[0]).toEqual({
      path: 'format_version',
      message: 'is required',
    });
    expect(readTerraform(plan([], { format_version: '0.2' })).formatVersion).toBe('0.2');
  });

  it('refuses wrong shapes with their paths', () => {
    expect(thrown(() => readTerraform([])).errors).toEqual([{ path: '(document)', message: 'must be a JSON object' }]);
    expect(thrown(() => readTerraform(plan([], { resource_changes: {} }))).errors[0]!.path).toBe('resource_changes');
    expect(thrown(() => readTerraform(plan([change('a.b', 'create' as never)]))).errors[0]!.path).toBe(
      'resource_changes[0].change.actions',
    );
    expect(thrown(() => readTerraform(plan([{ ...change('a.b', ['create']), change: undefined }]))).errors[0]).toEqual({
      path: 'resource_changes[0].change',
      message: 'is required',
    });
    expect(thrown(() => readTerraform(plan([], { timestamp: 'last tuesday' }))).errors[0]!.path).toBe('timestamp');
    expect(thrown(() => readTerraform(state([instance('aws_instance.a', { id: 'i-1' })], [{ resources: 'none' }]))).errors[0]!.path).toBe(
      'values.root_module.child_modules[0].resources',
    );
  });
});
