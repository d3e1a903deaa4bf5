// The estate (issue 16): hosts, the work done to them, and changes with what
// they touched. Field rules for what clients send and the shapes the API
// returns; handlers build their input schemas from these, and the OpenAPI
// document is generated from the same objects.
import { z } from 'zod';
import { PathId, tag, text } from './action-schema';

// ------------------------------------------------------------------ values

export const HOST_STATUSES = ['healthy', 'unhealthy', 'unknown', 'retired'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export const SOURCES = ['manual', 'terraform', 'ansible'] as const;
export type InventorySource = (typeof SOURCES)[number];

export const ACTIVITY_KINDS = ['patch', 'reboot', 'install', 'config', 'probe', 'ansible', 'inventory', 'other'] as const;
/** What a person or automation may record by hand (probe, ansible and inventory are written by the service). */
export const MANUAL_ACTIVITY_KINDS = ['patch', 'reboot', 'install', 'config', 'other'] as const;
export const ACTIVITY_OUTCOMES = ['succeeded', 'changed', 'failed', 'unreachable', 'skipped'] as const;

export const CHANGE_OUTCOMES = ['planned', 'succeeded', 'failed', 'partial', 'unknown'] as const;
export const RESOURCE_ACTIONS = ['create', 'update', 'delete', 'replace'] as const;
export const TASK_OUTCOMES = ['ok', 'changed', 'failed', 'skipped', 'unreachable'] as const;
export const ARTIFACT_KINDS = ['terraform-plan', 'terraform-state', 'ansible-recap', 'ansible-inventory'] as const;

export const INVENTORY_LIMITS = {
  hostname: 253,
  os: 128,
  environment: 64,
  component: 64,
  instanceId: 128,
  ipAddresses: 16,
  tags: 20,
  summary: 500,
  changeTitle: 200,
  changeDescription: 20_000,
  commitSha: 64,
  buildId: 128,
} as const;

/** A DNS name or a bare inventory name: letters, digits, `.`, `-`, `_`; no spaces. */
export const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9_])?$/;

export const hostname = z
  .string()
  .trim()
  .regex(HOSTNAME, 'a host name: letters, digits, . - _ (up to 253), starting and ending with a letter, digit or _')
  .max(INVENTORY_LIMITS.hostname);

// zod's formats rather than node:net, so that the page can read this file's types without Node's.
const IPV4 = z.ipv4();
const IPV6 = z.ipv6();
export const ipAddress = z
  .string()
  .trim()
  .refine((v) => IPV4.safeParse(v).success || IPV6.safeParse(v).success, 'must be an IPv4 or IPv6 address');

/** One-line text, nullable: null or an empty string clears it. */
const clearable = (max: number) => z.union([z.null(), text({ max })]).transform((v) => (v === '' ? null : v));

export const commitSha = z
  .string()
  .regex(/^[0-9a-fA-F]{7,64}$/, 'a commit SHA: 7–64 hexadecimal digits')
  .transform((v) => v.toLowerCase());
export const buildId = z.string().regex(/^[A-Za-z0-9._:/#+-]{1,128}$/, 'a build id: 1–128 of A-Z a-z 0-9 . _ : / # + -');

export const HostFields = {
  hostname,
  ip_addresses: z
    .array(ipAddress)
    .max(INVENTORY_LIMITS.ipAddresses, `at most ${INVENTORY_LIMITS.ipAddresses} addresses`)
    .transform((v) => [...new Set(v)]),
  os: clearable(INVENTORY_LIMITS.os),
  environment: clearable(INVENTORY_LIMITS.environment),
  component: clearable(INVENTORY_LIMITS.component),
  tags: z
    .array(tag)
    .max(INVENTORY_LIMITS.tags, `at most ${INVENTORY_LIMITS.tags} tags`)
    .transform((tags) => [...new Set(tags)]),
  instance_id: clearable(INVENTORY_LIMITS.instanceId),
  source: z.enum(SOURCES),
  status: z.enum(HOST_STATUSES),
  probe_port: z.union([z.null(), z.number().int().min(1).max(65535)]).meta({ description: 'TCP port probed; null: PROBE_PORT' }),
};

export const HostId = PathId;
export const ChangeId = PathId;
export const ArtifactId = PathId;

// ---------------------------------------------------------------- responses

const timestamp = z.iso.datetime();

export const Host = z.object({
  id: z.number().int(),
  hostname: z.string(),
  ip_addresses: z.array(z.string()),
  os: z.string().nullable(),
  environment: z.string().nullable(),
  component: z.string().nullable(),
  tags: z.array(z.string()),
  instance_id: z.string().nullable(),
  source: z.enum(SOURCES),
  status: z.enum(HOST_STATUSES),
  probe_port: z.number().int().nullable(),
  last_seen: timestamp.nullable().meta({ description: 'When a probe last reached it' }),
  last_probed_at: timestamp.nullable(),
  created_by: z.string(),
  created_at: timestamp,
  updated_by: z.string(),
  updated_at: timestamp,
  version: z.number().int(),
});

export const HostList = z.object({ items: z.array(Host), next_cursor: z.string().nullable() });

export const HostActivity = z.object({
  id: z.number().int(),
  host_id: z.number().int(),
  kind: z.enum(ACTIVITY_KINDS),
  summary: z.string(),
  outcome: z.enum(ACTIVITY_OUTCOMES),
  from_status: z.enum(HOST_STATUSES).nullable(),
  to_status: z.enum(HOST_STATUSES).nullable(),
  action_id: z.number().int().nullable(),
  change_id: z.number().int().nullable(),
  actor: z.string(),
  at: timestamp,
});

export const HostActivityList = z.object({ items: z.array(HostActivity), next_cursor: z.string().nullable() });

export const Change = z.object({
  id: z.number().int(),
  title: z.string(),
  source: z.enum(SOURCES),
  environment: z.string().nullable(),
  component: z.string().nullable(),
  commit_sha: z.string().nullable(),
  build_id: z.string().nullable(),
  started_at: timestamp,
  finished_at: timestamp.nullable(),
  outcome: z.enum(CHANGE_OUTCOMES),
  counts: z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int(), replace: z.number().int() }),
  description: z.string().nullable(),
  created_by: z.string(),
  created_at: timestamp,
  updated_by: z.string(),
  updated_at: timestamp,
  version: z.number().int(),
});

export const ChangeList = z.object({ items: z.array(Change), next_cursor: z.string().nullable() });

export const ChangeResource = z.object({
  address: z.string(),
  type: z.string(),
  name: z.string(),
  action: z.enum(RESOURCE_ACTIONS),
});

export const ChangeHost = z.object({
  hostname: z.string(),
  host_id: z.number().int().nullable().meta({ description: 'The inventory host it was linked to, if any' }),
  stats: z
    .object({
      ok: z.number().int(),
      changed: z.number().int(),
      failures: z.number().int(),
      unreachable: z.number().int(),
      skipped: z.number().int(),
      rescued: z.number().int(),
      ignored: z.number().int(),
    })
    .nullable()
    .meta({ description: "The Ansible recap's stats for the host; null for a host linked by a Terraform plan" }),
});

export const ChangeTask = z.object({
  play: z.string(),
  task: z.string(),
  hostname: z.string(),
  outcome: z.enum(TASK_OUTCOMES),
  msg: z.string().nullable(),
});

export const Artifact = z.object({
  id: z.number().int(),
  kind: z.enum(ARTIFACT_KINDS),
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int(),
  sha256: z.string(),
  uploaded_by: z.string(),
  uploaded_at: timestamp,
  href: z.string().meta({ description: 'Where to download the original document' }),
});

export const ChangeDetail = Change.extend({
  resources: z.array(ChangeResource),
  hosts: z.array(ChangeHost),
  tasks: z.array(ChangeTask),
  artifacts: z.array(Artifact),
});

export const IngestResult = z.object({
  change: ChangeDetail.nullable().meta({ description: 'The change the document went to (null for an inventory)' }),
  replayed: z.boolean().meta({ description: 'The same document with the same correlation key had been ingested: nothing was written' }),
  hosts: z
    .object({ created: z.number().int(), updated: z.number().int(), retired: z.number().int(), unchanged: z.number().int() })
    .meta({ description: 'What an inventory did to the hosts of its source; zeros for a plan or a recap' }),
});

export const RelatedChange = Change.extend({
  matched_by: z.array(z.enum(['component', 'host', 'link'])).meta({ description: 'Why it is listed' }),
});

export const RelatedChanges = z.object({
  window_hours: z.number().int(),
  since: timestamp,
  until: timestamp,
  items: z.array(RelatedChange),
});

export const ProbeRound = z.object({
  round: z.number().int(),
  ran: z.boolean().meta({ description: 'False when another replica holds the round (or one ran within the interval)' }),
  started_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
  probed: z.number().int(),
  healthy: z.number().int(),
  unhealthy: z.number().int(),
  transitions: z.number().int(),
});

export const ProbeState = z.object({
  interval_s: z.number().int().meta({ description: 'PROBE_INTERVAL_S of the replica answering; 0: this replica schedules none' }),
  last_round: ProbeRound.nullable(),
  in_progress: z.boolean(),
});

/** The query's correlation key of an ingestion. */
export const CorrelationQuery = {
  environment: text({ min: 1, max: INVENTORY_LIMITS.environment }).optional(),
  component: text({ min: 1, max: INVENTORY_LIMITS.component }).optional(),
  commit_sha: commitSha.optional(),
  build_id: buildId.optional(),
};

// ------------------------------------------------------- changes (input)

/** An instant as a client sends it (ISO 8601 with Z or an offset), as the API writes it (UTC, milliseconds). */
export const instant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString())
  // Year 0 and what rolls over into a fifth digit are no instant PostgreSQL stores.
  .refine((v) => /^\d{4}-/.test(v) && !v.startsWith('0000'), 'must be a date and time between the years 1 and 9999')
  .meta({ description: 'ISO 8601 date and time, with Z or an offset' });

/** What a change made or edited by hand may say. */
export const ChangeFields = {
  title: text({ min: 1, max: INVENTORY_LIMITS.changeTitle }),
  description: z
    .union([z.null(), text({ max: INVENTORY_LIMITS.changeDescription, multiline: true })])
    .transform((v) => (v === '' ? null : v)),
  outcome: z.enum(CHANGE_OUTCOMES),
  started_at: instant,
  finished_at: z.union([z.null(), instant]),
};

/** One or more of `values`, comma-separated (a query parameter). */
export const commaListOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).min(1, `one or more of ${values.join(', ')}`))
    .meta({ description: `comma-separated: ${values.join(', ')}` });
