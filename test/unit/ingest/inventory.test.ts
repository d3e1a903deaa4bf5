import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tag } from '../../../lib/domain/action-schema';
import { HostFields } from '../../../lib/domain/inventory-schema';
import { DocumentError, parseJson } from '../../../lib/ingest/document';
import { readInventory, tagOf } from '../../../lib/ingest/inventory';

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

const instance = (address: string, values: object) => ({ address, mode: 'managed', type: 'aws_instance', name: 'web', values });

describe('readInventory: ansible-inventory --list', () => {
  it('reads inventory.json: hosts of hostvars and of groups, addresses, instance ids and group tags', () => {
    // Prepare
    const doc = fixture('inventory.json');

    // Act
    const inventory = readInventory(doc);

    // Assess
    expect(inventory.source).toBe('ansible');
    expect(inventory.hosts).toEqual([
      { hostname: 'bastion', ip_addresses: ['203.0.113.7'], os: null, instance_id: null, tags: [] },
      { hostname: 'db-1', ip_addresses: ['10.0.2.21'], os: null, instance_id: 'i-0d4c3b2a1f0e90021', tags: ['dbservers', 'prod'] },
      {
        hostname: 'web-1',
        ip_addresses: ['10.0.1.11'],
        os: null,
        instance_id: 'i-0a1b2c3d4e5f60001',
        tags: ['tag_role_web', 'webservers', 'prod'],
      },
      { hostname: 'web-2', ip_addresses: [], os: null, instance_id: 'i-0f9e8d7c6b5a40003', tags: ['tag_role_web', 'webservers', 'prod'] },
      { hostname: 'mon-1', ip_addresses: [], os: null, instance_id: null, tags: ['monitoring'] },
    ]);
  });

  it('counts a host that is only in a group, and one that is only in hostvars', () => {
    // Prepare
    const doc = {
      _meta: { hostvars: { solo: { ansible_user: 'ops' } } },
      all: { children: ['ungrouped', 'cache'] },
      cache: { hosts: ['redis-1'] },
    };

    // Act
    const inventory = readInventory(doc);

    // Assess
    expect(inventory.hosts.map((h) => [h.hostname, h.tags])).toEqual([
      ['solo', []],
      ['redis-1', ['cache']],
    ]);
  });

  it('reads an inventory without _meta (all alone), and one without any host', () => {
    expect(readInventory({ all: { children: ['web'] }, web: { hosts: ['web-1'] } }).hosts.map((h) => h.hostname)).toEqual(['web-1']);
    expect(readInventory({ _meta: { hostvars: {} }, all: { children: ['ungrouped'] } })).toEqual({ source: 'ansible', hosts: [] });
  });

  it('tags a host with its groups and theirs through children, never all or ungrouped, and climbs out of a cycle', () => {
    // Prepare: eu → prod → web → web-1, and a cycle a ⇄ b
    const doc = {
      _meta: { hostvars: {} },
      all: { children: ['ungrouped', 'eu'], hosts: ['web-1'] },
      ungrouped: { hosts: ['web-1'] },
      eu: { children: ['prod'] },
      prod: { children: ['web'] },
      web: { hosts: ['web-1'] },
      a: { children: ['b'], hosts: ['db-1'] },
      b: { children: ['a'] },
    };

    // Act
    const hosts = readInventory(doc).hosts;

    // Assess
    expect(hosts.map((h) => [h.hostname, h.tags])).toEqual([
      ['web-1', ['web', 'prod', 'eu']],
      ['db-1', ['a', 'b']],
    ]);
  });

  it('makes group names tag-safe and keeps at most 20 tags', () => {
    // Prepare
    const groups = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`group_${String(i).padStart(2, '0')}`, { hosts: ['web-1'] }]));
    const doc = { _meta: { hostvars: {} }, all: { children: Object.keys(groups) }, ...groups };

    // Act
    const tags = readInventory(doc).hosts[0]!.tags;

    // Assess
    expect(tags).toHaveLength(20);
    expect(tags[0]).toBe('group_00');
    expect(tags[19]).toBe('group_19');
  });

  it('turns a group name into a tag: lower-case, [a-z0-9._:/+-], starting alphanumeric, at most 32', () => {
    expect(tagOf('tag_Role_Web')).toBe('tag_role_web');
    expect(tagOf('EU West (Ireland)')).toBe('eu-west-ireland-');
    expect(tagOf('__private')).toBe('private');
    expect(tagOf('région')).toBe('r-gion');
    expect(tagOf('x'.repeat(40))).toBe('x'.repeat(32));
    expect(tagOf('___')).toBeNull();
    expect(tagOf('ÉÉ')).toBeNull();
    // Every tag made is one the hosts API accepts.
    for (const name of ['tag_Role_Web', 'EU West (Ireland)', 'a:b/c+d-e.f', '9lives', 'x'.repeat(40)]) {
      expect(tag.safeParse(tagOf(name)).success, name).toBe(true);
    }
  });

  it('drops a group whose name leaves no tag, and does not repeat a tag two groups make', () => {
    // Prepare
    const doc = { _meta: { hostvars: {} }, '---': { hosts: ['web-1'] }, Web: { hosts: ['web-1'] }, web: { hosts: ['web-1'] } };

    // Act
    const tags = readInventory(doc).hosts[0]!.tags;

    // Assess
    expect(tags).toEqual(['web']);
  });

  it('takes ansible_host only when it is an address, and ec2_instance_id before instance_id', () => {
    // Prepare
    const doc = {
      _meta: {
        hostvars: {
          v4: { ansible_host: '10.0.0.1', ec2_instance_id: 'i-0000000000000001', instance_id: 'vm-1' },
          v6: { ansible_host: '2001:db8::1', instance_id: 'vm-2' },
          dns: { ansible_host: 'dns.example.com', ec2_instance_id: 42, instance_id: 'vm-3' },
          odd: { ansible_host: 22, instance_id: ['x'] },
        },
      },
      all: { children: ['ungrouped'] },
    };

    // Act
    const hosts = readInventory(doc).hosts;

    // Assess
    expect(hosts.map((h) => [h.hostname, h.ip_addresses, h.instance_id])).toEqual([
      ['v4', ['10.0.0.1'], 'i-0000000000000001'],
      ['v6', ['2001:db8::1'], 'vm-2'],
      ['dns', [], 'vm-3'],
      ['odd', [], null],
    ]);
    for (const host of hosts) expect(HostFields.ip_addresses.safeParse(host.ip_addresses).success).toBe(true);
  });

  it('refuses host names that fail HOSTNAME, with their paths', () => {
    // Prepare
    const doc = { _meta: { hostvars: { 'web 1': {} } }, all: { children: ['web'] }, web: { hosts: ['ok-1', 'bad/name'] } };

    // Act
    const error = thrown(() => readInventory(doc));

    // Assess
    expect(error.errors).toEqual([
      { path: '_meta.hostvars["web 1"]', message: 'is not a host name (letters, digits, . - _; up to 253)' },
      { path: 'web.hosts[1]', message: 'is not a host name (letters, digits, . - _; up to 253)' },
    ]);
    expect(error.message).toMatch(/^Not an inventory from ansible-inventory --list: _meta\.hostvars\["web 1"\]: is not a host name/);
  });

  it('refuses the same host name in other letter case, which the hosts table holds once', () => {
    // Prepare
    const doc = { _meta: { hostvars: { 'web-1': {} } }, all: { children: ['web'] }, web: { hosts: ['web-1', 'WEB-1'] } };

    // Act
    const error = thrown(() => readInventory(doc));

    // Assess
    expect(error.errors).toEqual([
      {
        path: 'web.hosts[1]',
        message: 'is "WEB-1" again (first at _meta.hostvars["web-1"]): host names are unique without regard to case',
      },
    ]);
  });

  it('refuses wrong group and hostvars shapes, and an instance id the hosts API would refuse', () => {
    // Prepare
    const doc = {
      _meta: { hostvars: { 'web-1': 'vars', 'web-2': { instance_id: 'i-'.padEnd(129, '0') } } },
      all: { children: 'web' },
      web: { hosts: [1] },
    };

    // Act
    const error = thrown(() => readInventory(doc));

    // Assess
    expect(error.errors).toEqual([
      { path: '_meta.hostvars["web-1"]', message: 'must be an object' },
      { path: '_meta.hostvars["web-2"].instance_id', message: 'must be at most 128 characters' },
      { path: 'all.children', message: 'must be an array' },
      { path: 'web.hosts[0]', message: 'must be a string' },
    ]);
    expect(thrown(() => readInventory({ _meta: {} })).errors).toEqual([{ path: '_meta.hostvars', message: 'is required' }]);
  });
});

describe('readInventory: a Terraform state', () => {
  it('reads state.json: its aws_instance resources as hosts of source terraform', () => {
    // Act
    const inventory = readInventory(fixture('state.json'));

    // Assess
    expect(inventory.source).toBe('terraform');
    expect(inventory.hosts.map((h) => [h.hostname, h.instance_id, h.ip_addresses])).toEqual([
      ['app-1', 'i-0a1b2c3d4e5f60001', ['10.0.1.11', '203.0.113.10']],
      ['ip-10-0-1-12.eu-west-1.compute.internal', 'i-0f9e8d7c6b5a40003', ['10.0.1.12']],
    ]);
  });

  it('refuses two instances with one host name, naming both places', () => {
    // Prepare
    const doc = {
      format_version: '1.0',
      values: {
        root_module: {
          resources: [
            instance('aws_instance.web[0]', { id: 'i-1', tags: { Name: 'web' } }),
            instance('aws_instance.web[1]', { id: 'i-2', tags: { Name: 'Web' } }),
          ],
        },
      },
    };

    // Act
    const error = thrown(() => readInventory(doc));

    // Assess
    expect(error.errors).toEqual([
      {
        path: 'values.root_module.resources[1].values.tags.Name',
        message: 'is "Web" again (first at values.root_module.resources[0].values.tags.Name): host names are unique without regard to case',
      },
    ]);
  });

  it('names the instance tagged "app server 1" (not a host name) by its private DNS name', () => {
    expect(readInventory(fixture('state-spaced-name.json')).hosts.map((h) => h.hostname)).toContain(
      'ip-10-0-1-11.eu-west-1.compute.internal',
    );
  });

  it('refuses a plan, which is not an inventory', () => {
    // Act
    const error = thrown(() => readInventory(fixture('plan.json')));

    // Assess
    expect(error.errors[0]!.path).toBe('planned_values');
    expect(error.message).toContain('a Terraform state');
  });
});

describe('readInventory: neither shape', () => {
  it('refuses inventory-unknown-shape.json, saying which two shapes are accepted', () => {
    // Act
    const error = thrown(() => readInventory(fixture('inventory-unknown-shape.json')));

    // Assess
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]!.path).toBe('(document)');
    expect(error.message).toContain('`ansible-inventory --list`');
    expect(error.message).toContain('a Terraform state (`terraform show -json`');
  });

  it('refuses what is not an object, and an Ansible recap', () => {
    expect(thrown(() => readInventory([])).errors[0]!.path).toBe('(document)');
    expect(thrown(() => readInventory(null)).errors[0]!.path).toBe('(document)');
    expect(thrown(() => readInventory(fixture('recap.json'))).errors[0]!.path).toBe('(document)');
  });
});
