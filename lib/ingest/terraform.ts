// `terraform show -json` of a plan or of a state (HashiCorp's "JSON Output
// Format"): what a plan touches and how many of each action, and which
// aws_instance objects it concerns; a state's aws_instance resources as hosts.
// Only what is listed here is read: before/after objects stay where JSON.parse
// put them (a plan can be 50 MB), only their `id` is looked at.
import { isIP } from 'node:net';
import { z } from 'zod';
import { HOSTNAME, INVENTORY_LIMITS } from '../domain/inventory-schema';
import {
  documentError,
  documentPath,
  InstanceId,
  INSTANT_RULE,
  instant,
  isRecord,
  JsonObject,
  Problems,
  storable,
  type PathSegment,
} from './document';
import type { InventoryHost } from './inventory';

export interface TerraformResource {
  address: string;
  type: string;
  name: string;
  action: 'create' | 'update' | 'delete' | 'replace';
  instanceId: string | null;
}

export interface TerraformDocument {
  kind: 'terraform-plan' | 'terraform-state';
  formatVersion: string;
  terraformVersion: string | null;
  timestamp: string | null;
  counts: { create: number; update: number; delete: number; replace: number };
  /** Only touched ones for a plan (no-op/read left out), one per address; for a state: none. */
  resources: TerraformResource[];
  /** aws_instance ids the plan touches (before or after `id`), or all of a state's. */
  instanceIds: string[];
  /** A state's aws_instance resources as hosts (empty for a plan). */
  instances: InventoryHost[];
}

const WHAT = 'Not a Terraform plan or state (terraform show -json)';

/**
 * `change.actions` as the format lists them, and what each counts as. Both
 * replace orders are a replace; no-op and read touch nothing; `forget`
 * (Terraform 1.7's `removed` block) leaves the object alone, and its
 * create-then-forget form is one of Terraform's three replace forms.
 */
const ACTIONS = new Map<string, TerraformResource['action'] | null>([
  ['create', 'create'],
  ['update', 'update'],
  ['delete', 'delete'],
  ['delete,create', 'replace'],
  ['create,delete', 'replace'],
  ['create,forget', 'replace'],
  ['no-op', null],
  ['read', null],
  ['forget', null],
]);
const ACTIONS_RULE = `must be one of ${[...ACTIONS.keys()].map((k) => JSON.stringify(k.split(','))).join(', ')}`;

// Ignore unknown properties, as the format asks of readers (new minor versions add some).
const FormatVersion = z
  .string()
  .regex(/^[01]\.\d+$/, 'must be "1.x" (or "0.x" before Terraform 1.0): another major version is another format');

const Top = z.object({
  format_version: FormatVersion,
  terraform_version: z.string().optional(),
  timestamp: z
    .string()
    .refine((v) => instant(v) !== undefined, INSTANT_RULE)
    .optional(),
  planned_values: JsonObject.optional(),
  resource_changes: z.array(z.unknown()).optional(),
  values: z.object({ root_module: JsonObject }).optional(),
});

const ResourceChange = z.object({
  address: z.string().min(1, 'must not be empty'),
  mode: z.string(),
  type: z.string().min(1, 'must not be empty'),
  name: z.string().min(1, 'must not be empty'),
  change: z.object({
    actions: z.array(z.string()).refine((a) => ACTIONS.has(a.join(',')), ACTIONS_RULE),
    // Kept by reference, never walked: only `id` is read from them.
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  }),
});

const Module = z.object({
  address: z.string().optional(),
  resources: z.array(z.unknown()).optional(),
  child_modules: z.array(z.unknown()).optional(),
});

const StateResource = z.object({
  address: z.string().min(1, 'must not be empty'),
  mode: z.string(),
  type: z.string().min(1, 'must not be empty'),
  name: z.string().min(1, 'must not be empty'),
  deposed_key: z.string().optional(),
  values: z.unknown().optional(),
});

const optionalText = z.string().nullish();
const InstanceValues = z.object({
  id: InstanceId,
  private_dns: optionalText,
  private_ip: optionalText,
  public_ip: optionalText,
  tags: z.object({ Name: optionalText }).nullish(),
});

/** Reads a plan or a state; throws DocumentError with paths like `resource_changes[3].change.actions`. */
export function readTerraform(doc: unknown): TerraformDocument {
  return readTerraformDocument(doc).document;
}

/** readTerraform, with where each of a state's instances got its host name (for the inventory's messages). */
export function readTerraformDocument(doc: unknown): { document: TerraformDocument; hostnamePaths: string[] } {
  if (!isRecord(doc)) throw documentError(WHAT, [], 'must be a JSON object');
  const problems = new Problems(WHAT);
  const top = problems.check(Top, doc, []);
  problems.throwIfAny();
  const head = {
    formatVersion: top!.format_version,
    terraformVersion: top!.terraform_version ?? null,
    timestamp: top!.timestamp === undefined ? null : instant(top!.timestamp)!,
  };
  // A plan always has planned_values; a state has values (none at all when it is empty).
  if ('planned_values' in doc || 'resource_changes' in doc) {
    return { document: { kind: 'terraform-plan', ...head, ...readPlan(top!.resource_changes ?? [], problems) }, hostnamePaths: [] };
  }
  const { instances, hostnamePaths } = readState(top!.values?.root_module, problems);
  const state: TerraformDocument = {
    kind: 'terraform-state',
    ...head,
    counts: { create: 0, update: 0, delete: 0, replace: 0 },
    resources: [],
    instanceIds: instances.map((h) => h.instance_id!),
    instances,
  };
  return { document: state, hostnamePaths };
}

function readPlan(changes: unknown[], problems: Problems) {
  const counts = { create: 0, update: 0, delete: 0, replace: 0 };
  const byAddress = new Map<string, TerraformResource>();
  const instanceIds = new Set<string>();
  changes.forEach((element, i) => {
    const rc = problems.check(ResourceChange, element, ['resource_changes', i]);
    if (!rc) return;
    const action = ACTIONS.get(rc.change.actions.join(','));
    if (!action) return;
    counts[action]++;
    let instanceId: string | null = null;
    if (rc.mode === 'managed' && rc.type === 'aws_instance') {
      const before = idOf(rc.change.before);
      const after = idOf(rc.change.after);
      for (const id of [before, after]) if (id) instanceIds.add(id);
      instanceId = before ?? after;
    }
    // A deposed object shares its address with the current one (change_resources
    // is keyed by address): the two are listed once, as a replace if they differ.
    const address = storable(rc.address);
    const seen = byAddress.get(address);
    if (seen) {
      if (seen.action !== action) seen.action = 'replace';
      seen.instanceId ??= instanceId;
    } else byAddress.set(address, { address, type: storable(rc.type), name: storable(rc.name), action, instanceId });
  });
  problems.throwIfAny();
  return { counts, resources: [...byAddress.values()], instanceIds: [...instanceIds], instances: [] };
}

/** An object's `id`, when it could be a host's instance id (any other cannot link a host). */
function idOf(object: unknown): string | null {
  if (!isRecord(object) || typeof object.id !== 'string') return null;
  // Cloud ids are plain ASCII: the full text rule only for the rest (it halves the time of a large plan).
  if (PLAIN_ID.test(object.id)) return object.id;
  const id = InstanceId.safeParse(object.id);
  return id.success && id.data === object.id ? id.data : null;
}

const PLAIN_ID = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,${INVENTORY_LIMITS.instanceId - 1}}$`);

function readState(root: Record<string, unknown> | undefined, problems: Problems) {
  const instances: InventoryHost[] = [];
  const hostnamePaths: string[] = [];
  // Depth-first, root first, in document order; iterative, and no deeper than
  // MAX_MODULE_DEPTH: a document of 50,000 nested modules (1 MB) held the event loop for minutes.
  const pending: { module: unknown; path: PathSegment[]; depth: number }[] = root
    ? [{ module: root, path: ['values', 'root_module'], depth: 0 }]
    : [];
  while (pending.length > 0) {
    const { module, path, depth } = pending.pop()!;
    if (depth > MAX_MODULE_DEPTH) {
      problems.add(path, `modules nested more than ${MAX_MODULE_DEPTH} deep`);
      break;
    }
    const m = problems.check(Module, module, path);
    if (!m) continue;
    m.resources?.forEach((element, i) => {
      const at = [...path, 'resources', i, 'values'];
      const r = problems.check(StateResource, element, at.slice(0, -1));
      // A data source of type aws_instance reads someone's instance; a deposed object is on its way out.
      if (!r || r.mode !== 'managed' || r.type !== 'aws_instance' || r.deposed_key !== undefined) return;
      const host = instanceHost(r.values, at, problems);
      if (!host) return;
      instances.push(host.host);
      hostnamePaths.push(documentPath(host.from));
    });
    const children = m.child_modules ?? [];
    for (let i = children.length - 1; i >= 0; i--)
      pending.push({ module: children[i], path: [...path, 'child_modules', i], depth: depth + 1 });
  }
  problems.throwIfAny();
  return { instances, hostnamePaths };
}

/** Deeper module trees than this are refused (Terraform's own are a handful deep). */
export const MAX_MODULE_DEPTH = 100;

/**
 * An instance's host name: its Name tag, else its private DNS name, else its id,
 * whichever first is a host name (a Name tag such as "app server 1" is common
 * and must not refuse a whole state).
 */
function instanceHost(values: unknown, path: PathSegment[], problems: Problems): { host: InventoryHost; from: PathSegment[] } | undefined {
  const v = problems.check(InstanceValues, values, path);
  if (!v) return undefined;
  const candidates: [string | null | undefined, PathSegment[]][] = [
    [v.tags?.Name, [...path, 'tags', 'Name']],
    [v.private_dns, [...path, 'private_dns']],
    [v.id, [...path, 'id']],
  ];
  const named = candidates.find(([name]) => !!name && HOSTNAME.test(name));
  const [first, from] = named ?? candidates.find(([name]) => !!name) ?? [v.id, [...path, 'id']];
  const hostname = first ?? '';
  let ok = true;
  if (!named) {
    problems.add(from, `"${clip(hostname)}" is not a host name (letters, digits, . - _; up to 253)`);
    ok = false;
  }
  const ip_addresses: string[] = [];
  for (const field of ['private_ip', 'public_ip'] as const) {
    const ip = v[field];
    if (!ip) continue;
    if (isIP(ip) === 0) {
      problems.add([...path, field], 'must be an IPv4 or IPv6 address');
      ok = false;
    } else if (!ip_addresses.includes(ip)) ip_addresses.push(ip);
  }
  return ok ? { host: { hostname, ip_addresses, os: null, instance_id: v.id, tags: [] }, from } : undefined;
}

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);
