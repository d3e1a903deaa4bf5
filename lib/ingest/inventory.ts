// The hosts an inventory document declares: `ansible-inventory --list`
// (`_meta.hostvars` and the groups, each with `hosts` and `children`), or a
// Terraform state's aws_instance resources. Host names are unique without
// regard to case, as the hosts table keeps them.
import { isIP } from 'node:net';
import { z } from 'zod';
import { HOSTNAME } from '../domain/inventory-schema';
import { LIMITS } from '../domain/field-rules';
import { documentError, documentPath, InstanceId, isRecord, JsonObject, Problems, type PathSegment } from './document';
import { readTerraformDocument } from './terraform';

export interface InventoryHost {
  hostname: string;
  ip_addresses: string[];
  os: string | null;
  instance_id: string | null;
  tags: string[];
}

export interface Inventory {
  source: 'ansible' | 'terraform';
  hosts: InventoryHost[];
}

const WHAT = 'Not an inventory';
const SHAPES =
  'the two accepted shapes are the JSON of `ansible-inventory --list` (`_meta.hostvars`, and groups with `hosts` and `children`) ' +
  'and a Terraform state (`terraform show -json`, with `values.root_module`)';

/** Groups every host is in: not tags. */
const IMPLICIT_GROUPS = new Set(['all', 'ungrouped']);

const HOSTNAME_RULE = 'is not a host name (letters, digits, . - _; up to 253)';

const Meta = z.object({ hostvars: JsonObject });
// Only these variables are read; the rest of a host's variables are its own business.
const HostVars = z.object({
  ansible_host: z.unknown().optional(),
  ec2_instance_id: z.unknown().optional(),
  instance_id: z.unknown().optional(),
});
const Group = z.object({
  hosts: z.array(z.string()).optional(),
  children: z.array(z.string()).optional(),
  vars: JsonObject.optional(),
});

/** ansible-inventory --list (`_meta.hostvars`, groups with hosts/children), or a Terraform state's aws_instance resources. */
export function readInventory(doc: unknown): Inventory {
  if (isRecord(doc)) {
    if ('format_version' in doc) return terraformInventory(doc);
    if ('_meta' in doc || 'all' in doc) return ansibleInventory(doc);
  }
  throw documentError(WHAT, [], `is neither: ${SHAPES}`);
}

function terraformInventory(doc: Record<string, unknown>): Inventory {
  const { document, hostnamePaths } = readTerraformDocument(doc);
  if (document.kind === 'terraform-plan') {
    const key = 'planned_values' in doc ? 'planned_values' : 'resource_changes';
    throw documentError(WHAT, [key], `shows a Terraform plan: ${SHAPES}`);
  }
  const names = new HostNames(new Problems(WHAT));
  document.instances.forEach((host, i) => names.claim(host.hostname, hostnamePaths[i]!));
  names.problems.throwIfAny();
  return { source: 'terraform', hosts: document.instances };
}

function ansibleInventory(doc: Record<string, unknown>): Inventory {
  const problems = new Problems('Not an inventory from ansible-inventory --list');
  const names = new HostNames(problems);
  const hosts = new Map<string, InventoryHost>();
  const groupsOf = new Map<string, string[]>();
  const add = (hostname: string, path: PathSegment[]): InventoryHost | undefined => {
    if (!HOSTNAME.test(hostname)) {
      problems.add(path, HOSTNAME_RULE);
      return undefined;
    }
    const known = hosts.get(hostname);
    if (known) return known;
    if (!names.claim(hostname, documentPath(path))) return undefined;
    const host: InventoryHost = { hostname, ip_addresses: [], os: null, instance_id: null, tags: [] };
    hosts.set(hostname, host);
    groupsOf.set(hostname, []);
    return host;
  };

  if ('_meta' in doc) {
    const meta = problems.check(Meta, doc._meta, ['_meta']);
    for (const [hostname, value] of Object.entries(meta?.hostvars ?? {})) {
      const path = ['_meta', 'hostvars', hostname];
      const vars = problems.check(HostVars, value, path);
      const host = add(hostname, path);
      if (vars && host) readHostVars(host, vars, path, problems);
    }
  }

  const parents = new Map<string, string[]>();
  for (const [name, value] of Object.entries(doc)) {
    if (name === '_meta') continue;
    const group = problems.check(Group, value, [name]);
    if (!group) continue;
    group.hosts?.forEach((hostname, i) => {
      if (add(hostname, [name, 'hosts', i])) groupsOf.get(hostname)!.push(name);
    });
    for (const child of group.children ?? []) parents.set(child, [...(parents.get(child) ?? []), name]);
  }
  problems.throwIfAny();

  // A host of a child group is in its parents too (`prod` → `webservers` → web-1): its own groups first.
  const ancestors = ancestorsOf(parents);
  for (const [hostname, host] of hosts) {
    const direct = groupsOf.get(hostname)!;
    const tags = new Set<string>();
    for (const group of [...direct, ...direct.flatMap(ancestors)]) {
      const tag = IMPLICIT_GROUPS.has(group) ? null : tagOf(group);
      if (tag && tags.size < LIMITS.tags) tags.add(tag);
    }
    host.tags = [...tags];
  }
  return { source: 'ansible', hosts: [...hosts.values()] };
}

function readHostVars(host: InventoryHost, vars: z.output<typeof HostVars>, path: PathSegment[], problems: Problems): void {
  // ansible_host may as well be a DNS name: only an address is an address.
  if (typeof vars.ansible_host === 'string' && isIP(vars.ansible_host) !== 0) host.ip_addresses = [vars.ansible_host];
  const field = typeof vars.ec2_instance_id === 'string' ? 'ec2_instance_id' : typeof vars.instance_id === 'string' ? 'instance_id' : null;
  if (!field) return;
  const id = problems.check(InstanceId, vars[field], [...path, field]);
  if (id) host.instance_id = id;
}

/** Every group above each group, nearest first, through `children`; a cycle ends the climb. */
function ancestorsOf(parents: Map<string, string[]>): (group: string) => string[] {
  const memo = new Map<string, string[]>();
  return (group) => {
    const cached = memo.get(group);
    if (cached) return cached;
    const seen = new Set<string>([group]);
    const out: string[] = [];
    for (let queue = [...(parents.get(group) ?? [])]; queue.length > 0;) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      out.push(next);
      queue = queue.concat(parents.get(next) ?? []);
    }
    memo.set(group, out);
    return out;
  };
}

/** A group name as a tag: lower-case, only a-z 0-9 . _ : / + -, starting with a letter or digit, at most 32; null when nothing is left. */
export function tagOf(group: string): string | null {
  const tag = group
    .toLowerCase()
    .replace(/[^a-z0-9._:/+-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, LIMITS.tag);
  return tag === '' ? null : tag;
}

/** Host names seen so far, without regard to case; a second spelling of one is a problem at its path. */
class HostNames {
  private readonly first = new Map<string, string>();

  constructor(readonly problems: Problems) {}

  claim(hostname: string, path: string): boolean {
    const key = hostname.toLowerCase();
    const first = this.first.get(key);
    if (first === undefined) {
      this.first.set(key, path);
      return true;
    }
    this.problems.add(path, `is "${hostname}" again (first at ${first}): host names are unique without regard to case`);
    return false;
  }
}
