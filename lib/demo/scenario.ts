// The demo's incident week (`npm run demo`): what happened, as a plan of
// writes. A dozen incidents told in full (who opened what, who took it, what
// blocked it, how it was resolved, the evidence, one reopened after a
// regression) and some 180 follow-ups drawn from per-component templates with
// a fixed seed, so every run plans the same week relative to its `now`. Every
// action carries the tag `demo`: that is how a second run knows the data is
// there, and how anyone can filter it out.
import type { ActionEdit, NewAction } from '../db/actions';
import type { Priority, Status } from '../domain/lifecycle';
import type { Identity } from '../domain/roles';

export const DEMO_TAG = 'demo';

export type DemoFile = { filename: string; contentType: string; bytes: Uint8Array };

export type DemoStep =
  | { kind: 'edit'; edit: ActionEdit }
  | { kind: 'status'; to: Status; resolutionNotes?: string; note?: string }
  | { kind: 'evidence'; files: DemoFile[] };

/** One action: its fields at creation, who created it when, and what happened to it after, in order. */
export interface DemoAction {
  fields: Required<Pick<NewAction, 'title' | 'priority' | 'tags'>> & Pick<NewAction, 'description' | 'owner' | 'component'>;
  createdBy: Identity;
  createdAt: Date;
  steps: { at: Date; by: Identity; step: DemoStep }[];
}

// ------------------------------------------------------------------ people

const member = (user: string): Identity => ({ user, role: 'member' });
const MEMBERS = ['alice', 'bob', 'chen', 'dara', 'emeka', 'farah', 'gus', 'hana', 'ivan', 'jo'].map(member);
const LEADS: Identity[] = [
  { user: 'lee', role: 'lead' },
  { user: 'morgan', role: 'lead' },
];
const byName = (user: string): Identity => [...MEMBERS, ...LEADS].find((p) => p.user === user)!;

// ------------------------------------------------------------------ chance

/** mulberry32: small, fast and the same on every run. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const weighted = <T extends string>(weights: Record<T, number>): T => {
    const entries = Object.entries(weights) as [T, number][];
    let r = next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, w] of entries) if ((r -= w) < 0) return value;
    return entries[entries.length - 1]![0];
  };
  return { next, pick, weighted, chance: (p: number) => next() < p };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ------------------------------------------------------------------ files

const text = (filename: string, contentType: string, body: string): DemoFile => ({
  filename,
  contentType,
  bytes: new TextEncoder().encode(body),
});

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

function rdsEvents(at: number): DemoFile {
  const lines = [
    [-95, 'orders-prod', 'Low storage: the free storage capacity for DB instance orders-prod is low at 10% of the provisioned storage'],
    [-40, 'orders-prod', 'Low storage: the free storage capacity for DB instance orders-prod is low at 4% of the provisioned storage'],
    [-6, 'orders-prod', 'Storage-full: DB instance orders-prod has reached its storage capacity; writes are failing'],
    [0, 'orders-prod', 'Applying modification to allocated storage (400 GiB -> 800 GiB)'],
    [22, 'orders-prod', 'Finished applying modification to allocated storage'],
    [23, 'orders-prod', 'Storage optimization in progress'],
  ] as const;
  return text(
    'rds-events-orders-prod.log',
    'text/plain; charset=utf-8',
    lines.map(([min, id, message]) => `${iso(at + min * MINUTE)}  ${id.padEnd(12)} ${message}`).join('\n') + '\n',
  );
}

function alb5xx(at: number): DemoFile {
  const r = random(41);
  const rows: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = at - 30 * MINUTE + i * 45_000;
    const status = r.chance(0.35) ? 502 : r.chance(0.2) ? 504 : 200;
    const target = status === 502 ? '-' : `10.20.${r.pick([11, 12, 13])}.${Math.floor(r.next() * 200) + 10}:8080`;
    rows.push(
      `h2 ${iso(t)} app/checkout-prod/5f1c0e9a 203.0.113.${Math.floor(r.next() * 250)}:${40000 + i} ${target} 0.000 ` +
        `${status === 504 ? '-1' : (r.next() * 0.4).toFixed(3)} 0.000 ${status} ${status === 502 ? '-' : status} ` +
        `"POST https://checkout.example.com:443/api/cart/submit HTTP/2.0"`,
    );
  }
  return text('alb-checkout-5xx.log', 'text/plain; charset=utf-8', rows.join('\n') + '\n');
}

const TERRAFORM_PLAN = `Terraform will perform the following actions:

  # module.vpc.aws_nat_gateway.this[1] will be created
  + resource "aws_nat_gateway" "this" {
      + allocation_id     = (known after apply)
      + connectivity_type = "public"
      + subnet_id         = "subnet-0b7e2c51d4f0a9e13"
      + tags              = { "Name" = "action-tracker-prod-nat-b" }
    }

  # module.vpc.aws_route.private_nat[1] will be updated in-place
  ~ resource "aws_route" "private_nat" {
      ~ nat_gateway_id = "nat-0a55c1e2f7d3b8a90" -> (known after apply)
        # (2 unchanged attributes hidden)
    }

Plan: 1 to add, 1 to change, 0 to destroy.
`;

const CREDENTIAL_REPORT = `user,arn,password_enabled,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date
ci-legacy,arn:aws:iam::123456789012:user/ci-legacy,false,true,2024-02-11T09:14:00+00:00,2026-11-27T03:02:00+00:00
backup-sync,arn:aws:iam::123456789012:user/backup-sync,false,true,2025-06-30T12:40:00+00:00,2026-11-26T23:59:00+00:00
grafana-reader,arn:aws:iam::123456789012:user/grafana-reader,false,false,N/A,N/A
`;

const KUBECTL_EVENTS = `LAST SEEN   TYPE      REASON                 OBJECT                                  MESSAGE
12m         Warning   FailedScheduling       pod/search-indexer-7d9c6b5f8-x2kqp      0/9 nodes are available: 9 Insufficient memory.
11m         Normal    TriggeredScaleUp       pod/search-indexer-7d9c6b5f8-x2kqp      pod triggered scale-up: [{eks-general-2024 6->9 (max: 9)}]
9m          Warning   NodeNotReady           node/ip-10-20-12-41.eu-west-1.compute   Node is not ready
4m          Warning   Evicted                pod/search-api-5b8f7c9d4-q8wzr          The node was low on resource: memory.
`;

// A small PNG, drawn here (no image library): a latency chart with a spike, or a bar chart.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A grayscale+alpha-free RGB PNG of `values` (0..1) as columns, 2 px each, `height` px tall. */
export function chartPng(values: readonly number[], height: number, deflate: (raw: Uint8Array) => Uint8Array): Uint8Array {
  const width = values.length * 2;
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const v = values[Math.floor(x / 2)]!;
      const filled = height - 1 - y < Math.round(v * (height - 4));
      const hot = v > 0.7;
      const [r, g, b] = filled ? (hot ? [220, 70, 60] : [70, 130, 200]) : y % 16 === 0 ? [48, 52, 60] : [24, 27, 33];
      raw.set([r, g, b], row + 1 + x * 3);
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflate(raw)),
    chunk('IEND', new Uint8Array()),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) png.set(part, (at += part.length) - part.length);
  return png;
}

const latencySeries = (seed: number, spikeAt: number) => {
  const r = random(seed);
  return Array.from({ length: 120 }, (_, i) => {
    const spike = Math.max(0, 1 - Math.abs(i - spikeAt) / 12);
    return Math.min(1, 0.18 + r.next() * 0.08 + spike * 0.75);
  });
};

// ------------------------------------------------------------------ the incidents, in full

interface Story {
  /** Hours before the week's end at which it was opened. */
  hoursAgo: number;
  by: string;
  fields: DemoAction['fields'];
  /** [minutes after the previous step, who, what]. */
  steps: [number, string, DemoStep][];
}

const s = (to: Status, extra: { resolutionNotes?: string; note?: string } = {}): DemoStep => ({ kind: 'status', to, ...extra });
const edit = (e: ActionEdit): DemoStep => ({ kind: 'edit', edit: e });

function stories(deflate: (raw: Uint8Array) => Uint8Array, end: number): Story[] {
  const at = (hoursAgo: number) => end - hoursAgo * HOUR;
  return [
    {
      hoursAgo: 158,
      by: 'dara',
      fields: {
        title: 'orders-prod RDS out of storage: writes failing',
        description:
          'INC-2041. FreeStorageSpace hit 0 on orders-prod at 03:12 UTC; checkout writes fail with "could not extend file". ' +
          'Storage autoscaling was off since the instance was restored from snapshot in October.',
        priority: 'critical',
        owner: 'dara',
        component: 'rds',
        tags: ['prod', 'inc-2041', 'customer-impact'],
      },
      steps: [
        [4, 'dara', s('in_progress', { note: 'Paged; taking it.' })],
        [26, 'dara', { kind: 'evidence', files: [rdsEvents(at(158) + 30 * MINUTE)] }],
        [
          35,
          'dara',
          s('resolved', {
            resolutionNotes:
              'Allocated storage raised 400 → 800 GiB (online modification, 22 min) and storage autoscaling enabled up to 1.5 TiB. ' +
              'Writes recovered at 04:10 UTC. Root cause: autoscaling setting lost on snapshot restore; follow-ups ACT for the alarm and the runbook.',
          }),
        ],
        [20 * 60, 'lee', s('closed')],
      ],
    },
    {
      hoursAgo: 157,
      by: 'lee',
      fields: {
        title: 'Alarm on FreeStorageSpace below 15% for every prod RDS instance',
        description: 'The only storage alarm was at 2%, which left 6 minutes of warning on orders-prod. Add it in terraform/modules/rds.',
        priority: 'high',
        owner: 'emeka',
        component: 'rds',
        tags: ['prod', 'inc-2041', 'follow-up', 'alerting'],
      },
      steps: [
        [60 * 18, 'emeka', s('in_progress')],
        [
          60 * 5,
          'emeka',
          s('resolved', {
            resolutionNotes: 'aws_cloudwatch_metric_alarm.free_storage at 15% and 5%, to the on-call SNS topic; applied to dev and prod.',
          }),
        ],
      ],
    },
    {
      hoursAgo: 134,
      by: 'chen',
      fields: {
        title: 'checkout ALB returns 502 after deploy of 2026.11.3',
        description:
          'INC-2043. 502s on POST /api/cart/submit for 18 minutes after the rollout. Targets were registered before the app finished warming its connection pool.',
        priority: 'critical',
        owner: 'chen',
        component: 'alb',
        tags: ['prod', 'inc-2043', 'customer-impact'],
      },
      steps: [
        [3, 'chen', s('in_progress')],
        [
          14,
          'chen',
          {
            kind: 'evidence',
            files: [
              alb5xx(at(134)),
              { filename: 'checkout-p99-latency.png', contentType: 'image/png', bytes: chartPng(latencySeries(7, 64), 64, deflate) },
            ],
          },
        ],
        [
          50,
          'chen',
          s('resolved', {
            resolutionNotes:
              'Rolled back to 2026.11.2. Health check now hits /health (which waits for the pool) instead of /; deregistration delay 30 s. Redeployed 2026.11.3 at 15:40 without errors.',
          }),
        ],
        [60 * 26, 'alice', s('open', { note: 'Regressed: 502s again during today’s scale-out (not a deploy this time).' })],
        [10, 'chen', s('in_progress')],
        [
          95,
          'chen',
          s('resolved', {
            resolutionNotes:
              'Second cause: new tasks joined the target group before the slow start window. Set slow_start = 60 s on the target group; scale-out at 09:00 and 12:00 clean.',
          }),
        ],
        [60 * 20, 'morgan', s('closed')],
      ],
    },
    {
      hoursAgo: 120,
      by: 'farah',
      fields: {
        title: 'EKS managed node group upgrade to 1.31 stuck on PodDisruptionBudget',
        description: 'eks-general-2024 upgrade has been "Updating" for 3 h: search-api PDB allows 0 disruptions with 2 replicas.',
        priority: 'high',
        owner: 'farah',
        component: 'eks',
        tags: ['prod', 'upgrade', 'k8s-1.31'],
      },
      steps: [
        [20, 'farah', s('in_progress')],
        [40, 'farah', { kind: 'evidence', files: [text('kubectl-events-search.txt', 'text/plain; charset=utf-8', KUBECTL_EVENTS)] }],
        [
          30,
          'farah',
          s('blocked', { note: 'Waiting on the search team to agree to maxUnavailable: 1 (their change freeze until Thursday).' }),
        ],
        [60 * 40, 'hana', s('in_progress', { note: 'Search team approved the PDB change.' })],
        [60 * 2, 'farah', edit({ tags: ['prod', 'upgrade', 'k8s-1.31', 'pdb'] })],
      ],
    },
    {
      hoursAgo: 110,
      by: 'ivan',
      fields: {
        title: 'Long-lived access keys still active for ci-legacy and backup-sync',
        description: 'Quarterly access review: two IAM users with keys older than 90 days, both still used nightly. Move them to roles.',
        priority: 'high',
        owner: 'ivan',
        component: 'iam',
        tags: ['prod', 'security', 'audit', 'compliance'],
      },
      steps: [
        [10, 'ivan', { kind: 'evidence', files: [text('iam-credential-report.csv', 'text/csv; charset=utf-8', CREDENTIAL_REPORT)] }],
        [60 * 3, 'ivan', s('in_progress')],
        [
          60 * 30,
          'ivan',
          s('blocked', { note: 'backup-sync runs on the vendor’s appliance, which cannot assume a role; vendor ticket #88127.' }),
        ],
      ],
    },
    {
      hoursAgo: 96,
      by: 'bob',
      fields: {
        title: 'CloudFront serves stale catalog images for 24 h after a publish',
        description: 'Default TTL 86400 on /img/*; publishers expect minutes. Invalidate on publish or lower the TTL with versioned paths.',
        priority: 'medium',
        owner: 'bob',
        component: 'cloudfront',
        tags: ['prod', 'cache'],
      },
      steps: [
        [90, 'bob', s('in_progress')],
        [
          60 * 6,
          'bob',
          {
            kind: 'evidence',
            files: [
              {
                filename: 'cloudfront-cache-hit-ratio.png',
                contentType: 'image/png',
                bytes: chartPng(
                  latencySeries(11, 30).map((v) => 1 - v),
                  48,
                  deflate,
                ),
              },
            ],
          },
        ],
        [
          60 * 2,
          'bob',
          s('resolved', {
            resolutionNotes:
              'Images now published under content-hashed paths; TTL stays 24 h, no invalidations needed. Old paths expire naturally.',
          }),
        ],
      ],
    },
    {
      hoursAgo: 80,
      by: 'gus',
      fields: {
        title: 'Terraform state lock left behind by a cancelled CI run (prod)',
        description:
          'deploy.yml was cancelled mid-apply; the S3 lock object blocks every plan. Check the apply finished before force-unlocking.',
        priority: 'high',
        owner: 'gus',
        component: 'terraform',
        tags: ['prod', 'ci'],
      },
      steps: [
        [5, 'gus', s('in_progress')],
        [25, 'gus', { kind: 'evidence', files: [text('terraform-plan-after-unlock.txt', 'text/plain; charset=utf-8', TERRAFORM_PLAN)] }],
        [
          10,
          'gus',
          s('resolved', {
            resolutionNotes:
              'Apply had completed; lock removed with terraform force-unlock. Plan afterwards shows only the intended NAT change. Deploy job now has cancel-in-progress: false.',
          }),
        ],
        [60 * 4, 'lee', s('closed')],
      ],
    },
    {
      hoursAgo: 60,
      by: 'hana',
      fields: {
        title: 'S3 bucket reports-export allows public ACLs',
        description:
          'Security Hub S3.8: Block Public Access is off on reports-export (created by hand in 2023). No public objects found yet.',
        priority: 'critical',
        owner: 'hana',
        component: 's3',
        tags: ['prod', 'security', 'security-hub'],
      },
      steps: [
        [15, 'hana', s('in_progress')],
        [
          45,
          'hana',
          s('resolved', {
            resolutionNotes:
              'Block Public Access on (all four settings), bucket imported into terraform/modules/s3; access logs show no anonymous reads in 90 days.',
          }),
        ],
        [60 * 3, 'morgan', s('closed')],
        [
          60 * 20,
          'morgan',
          s('open', { note: 'Reopened: the account-level Block Public Access is still off, so a new bucket could repeat this.' }),
        ],
        [30, 'hana', s('in_progress')],
      ],
    },
    {
      hoursAgo: 40,
      by: 'jo',
      fields: {
        title: 'NAT gateway data processing cost tripled in eu-west-1',
        description:
          'Cost Explorer: NatGateway-Bytes up from ~$40/day to ~$130/day since Monday. Suspect image pulls from ECR going through NAT.',
        priority: 'medium',
        owner: 'jo',
        component: 'vpc',
        tags: ['prod', 'cost'],
      },
      steps: [
        [60, 'jo', s('in_progress')],
        [
          60 * 3,
          'jo',
          edit({
            description:
              'Cost Explorer: NatGateway-Bytes up from ~$40/day to ~$130/day since Monday. Confirmed: ECR pulls and S3 via NAT. Plan: S3 gateway endpoint + ECR interface endpoints.',
          }),
        ],
      ],
    },
    {
      hoursAgo: 20,
      by: 'alice',
      fields: {
        title: 'Payments pods OOMKilled during the 18:00 batch',
        description: 'INC-2047. payments-worker limit 512 Mi; the settlement batch peaks at ~700 Mi. 3 retries, settlement 40 min late.',
        priority: 'critical',
        owner: 'alice',
        component: 'eks',
        tags: ['prod', 'inc-2047', 'customer-impact'],
      },
      steps: [
        [2, 'alice', s('in_progress')],
        [
          25,
          'alice',
          s('resolved', {
            resolutionNotes:
              'Memory limit 1 Gi, request 768 Mi for payments-worker; batch finished in 11 min. VPA recommendation added to the follow-ups.',
          }),
        ],
      ],
    },
    {
      hoursAgo: 6,
      by: 'emeka',
      fields: {
        title: 'Rotate the RDS master password of reporting-staging after the contractor offboarding',
        priority: 'high',
        component: 'rds',
        tags: ['staging', 'security'],
      },
      steps: [[45, 'lee', edit({ owner: 'emeka' })]],
    },
    {
      hoursAgo: 2,
      by: 'morgan',
      fields: {
        title: 'Postmortem INC-2043: write up and review the ALB 502s',
        description: 'Timeline, both causes (health check path, slow start), what the alarms missed. Review at Friday’s ops meeting.',
        priority: 'medium',
        owner: 'chen',
        component: 'alb',
        tags: ['prod', 'inc-2043', 'postmortem'],
      },
      steps: [],
    },
  ];
}

// ------------------------------------------------------------------ the follow-ups, from templates

const SERVICES = ['orders', 'payments', 'checkout', 'search', 'catalog', 'auth', 'notifications', 'reporting'];

interface Template {
  title: string;
  description?: string;
  tags?: string[];
  resolved: string[];
}

// {svc} and {env} are filled in; each component has notes its resolutions pick from.
const TEMPLATES: Record<string, Template[]> = {
  rds: [
    {
      title: 'Enable Performance Insights on {svc}-{env}',
      tags: ['observability'],
      resolved: ['Enabled with 7-day retention; dashboard linked from the runbook.'],
    },
    {
      title: 'Upgrade {svc}-{env} from PostgreSQL 15 to 16',
      tags: ['upgrade'],
      resolved: ['Blue/green deployment switched over in 48 s; extensions checked.'],
    },
    {
      title: 'Slow query on {svc}-{env}: sequential scan on order_items',
      description: 'p95 of the order history endpoint at 2.4 s.',
      tags: ['performance'],
      resolved: ['Added index on (customer_id, created_at DESC); p95 now 60 ms.'],
    },
    {
      title: 'Set backup retention to 14 days on {svc}-{env}',
      tags: ['compliance'],
      resolved: ['Retention 14 days, backup window 02:00–03:00 UTC, verified with a restore to a scratch instance.'],
    },
    {
      title: 'Turn on deletion protection for {svc}-{env}',
      tags: ['security'],
      resolved: ['deletion_protection = true in the tfvars; plan showed the one attribute.'],
    },
    {
      title: 'Connection count near max_connections on {svc}-{env}',
      tags: ['capacity'],
      resolved: ['Pool size per task lowered to 10, RDS Proxy evaluated and not needed at this load.'],
    },
  ],
  eks: [
    {
      title: 'Cluster autoscaler cannot scale {svc} node group beyond 9 nodes ({env})',
      tags: ['capacity', 'k8s'],
      resolved: ['max_size raised to 15; the ASG quota was the real limit, raised with AWS.'],
    },
    {
      title: 'Set resource requests on {svc}-api deployments ({env})',
      tags: ['k8s'],
      resolved: ['Requests from two weeks of VPA recommendations; no more BestEffort pods.'],
    },
    {
      title: 'CoreDNS throttling under load in {env}',
      tags: ['k8s', 'dns'],
      resolved: ['NodeLocal DNSCache deployed; CoreDNS replicas 2 → 4.'],
    },
    {
      title: 'Rotate the {env} cluster’s IRSA trust for {svc}',
      tags: ['security', 'k8s'],
      resolved: ['Trust policy scoped to the service account; old role removed.'],
    },
    {
      title: 'Drain and replace nodes on the deprecated AMI ({env})',
      tags: ['upgrade', 'k8s'],
      resolved: ['Rolling replacement done, no pod disruption beyond the PDBs.'],
    },
  ],
  alb: [
    { title: 'Raise the idle timeout on the {svc} ALB for long uploads ({env})', resolved: ['Idle timeout 120 s, app keep-alive 125 s.'] },
    {
      title: 'Add an HTTP 5xx alarm per target group for {svc} ({env})',
      tags: ['alerting'],
      resolved: ['Alarm on HTTPCode_Target_5XX_Count > 20/min for 3 min, to on-call.'],
    },
    {
      title: 'TLS policy on the {svc} listener still allows TLS 1.0 ({env})',
      tags: ['security'],
      resolved: ['ELBSecurityPolicy-TLS13-1-2-2021-06 on every listener.'],
    },
    {
      title: 'Enable access logs for the {svc} ALB in {env}',
      tags: ['observability', 'compliance'],
      resolved: ['Logs to the log bucket under alb/, 90-day expiry.'],
    },
  ],
  vpc: [
    {
      title: 'Add an S3 gateway endpoint in the {env} VPC',
      tags: ['cost'],
      resolved: ['Gateway endpoint on all private route tables; NAT bytes down 60%.'],
    },
    {
      title: 'Flow logs missing on the {env} VPC',
      tags: ['compliance', 'observability'],
      resolved: ['Flow logs to S3, all traffic, 10-minute aggregation.'],
    },
    {
      title: 'Security group for {svc} allows 0.0.0.0/0 on 5432 ({env})',
      tags: ['security'],
      resolved: ['Ingress limited to the app security group; the rule was from a 2023 debugging session.'],
    },
    {
      title: 'Second NAT gateway for the {env} VPC (single-AZ egress)',
      tags: ['resilience'],
      resolved: ['One NAT per AZ, private routes per AZ.'],
    },
  ],
  iam: [
    {
      title: 'Remove the unused {svc}-deployer role in {env}',
      tags: ['security', 'audit'],
      resolved: ['Last used 14 months ago; deleted, CloudTrail watched for a week.'],
    },
    {
      title: 'Wildcard s3:* in the {svc} task role ({env})',
      tags: ['security'],
      resolved: ['Scoped to the evidence bucket and the two actions used.'],
    },
    {
      title: 'Enforce MFA for console users in the {env} account',
      tags: ['security', 'compliance'],
      resolved: ['SCP denies actions without MFA except the MFA setup calls.'],
    },
    {
      title: 'Permissions boundary missing on roles created by CI ({env})',
      tags: ['security'],
      resolved: ['Boundary attached and required by the CI role’s policy.'],
    },
  ],
  s3: [
    {
      title: 'Lifecycle rule for {svc} export objects in {env}',
      tags: ['cost'],
      resolved: ['Transition to IA after 30 days, expire after 400.'],
    },
    {
      title: 'Versioning off on the {svc}-{env} bucket',
      tags: ['resilience'],
      resolved: ['Versioning on, noncurrent versions expire after 30 days.'],
    },
    {
      title: 'Default encryption with a CMK for {svc}-{env}',
      tags: ['security', 'compliance'],
      resolved: ['SSE-KMS with the data key, bucket key enabled to keep KMS costs down.'],
    },
    {
      title: 'Replicate the {svc} bucket to the DR region ({env})',
      tags: ['resilience'],
      resolved: ['CRR to eu-central-1 for new objects; batch replication for the backlog.'],
    },
  ],
  cloudfront: [
    {
      title: 'Add a WAF to the {svc} distribution ({env})',
      tags: ['security'],
      resolved: ['AWS managed common and IP reputation rules, rate limit 2000/5 min.'],
    },
    {
      title: 'Compress responses for {svc} static assets ({env})',
      tags: ['performance'],
      resolved: ['Compression on; JS bundle transfer 410 KB → 118 KB.'],
    },
    {
      title: 'Origin access control instead of the public origin for {svc} ({env})',
      tags: ['security'],
      resolved: ['OAC on the distribution, bucket policy allows only it.'],
    },
  ],
  terraform: [
    {
      title: 'Drift in the {env} stack: {svc} security group edited in the console',
      tags: ['drift'],
      resolved: ['Change codified; console edits now alert through a Config rule.'],
    },
    {
      title: 'Pin the AWS provider to 5.x in the {svc} modules',
      tags: ['upgrade'],
      resolved: ['required_providers pinned, lock file committed.'],
    },
    {
      title: 'Split the {env} state: {svc} plan takes 6 minutes',
      tags: ['toil'],
      resolved: ['Network and data layers in their own states; plan 70 s.'],
    },
    {
      title: 'terraform fmt and validate in CI for the {svc} repo',
      tags: ['ci'],
      resolved: ['Pre-merge job runs fmt -check, validate and tflint.'],
    },
  ],
  ecs: [
    {
      title: 'Circuit breaker with rollback on the {svc} service ({env})',
      tags: ['resilience'],
      resolved: ['deployment_circuit_breaker { enable = true, rollback = true }.'],
    },
    { title: 'Stop timeout too short for {svc} draining ({env})', resolved: ['stopTimeout 30 s, app drains in 25 s.'] },
  ],
  cloudwatch: [
    {
      title: 'Log retention never expires for /{env}/{svc}',
      tags: ['cost', 'compliance'],
      resolved: ['Retention 30 days in dev, 365 in prod.'],
    },
    {
      title: 'Dashboard for the {svc} golden signals ({env})',
      tags: ['observability'],
      resolved: ['Latency, traffic, errors, saturation per service; linked from the runbook.'],
    },
  ],
};

const COMPONENT_WEIGHTS: Record<string, number> = {
  rds: 16,
  eks: 16,
  alb: 10,
  vpc: 9,
  iam: 12,
  s3: 10,
  cloudfront: 7,
  terraform: 11,
  ecs: 5,
  cloudwatch: 4,
};

const BLOCKED_NOTES = [
  'Waiting on AWS Support case 1712-334 (service quota increase).',
  'Needs a maintenance window; next one is Sunday 02:00 UTC.',
  'Blocked on the security team’s review of the policy change.',
  'Waiting for the app team to ship the client-side retry first.',
  'Change freeze until the end-of-month billing run.',
];

const CLOSED_DIRECTLY = [
  'Won’t do: superseded by the platform migration to the shared cluster.',
  'Duplicate of an earlier action from the same alert; closing this one.',
  'Not reproducible after the provider upgrade; monitoring stays in place.',
];

// ------------------------------------------------------------------ the plan

/** Every action of the demo, with each step's time, all between `now` − 7 days and `now` − 15 minutes. */
export function incidentWeek(now: Date, deflate: (raw: Uint8Array) => Uint8Array, count = 200): DemoAction[] {
  const end = now.getTime() - 15 * MINUTE;
  const start = now.getTime() - 7 * DAY + HOUR;
  const plan: DemoAction[] = [];

  for (const story of stories(deflate, end)) {
    let t = end - story.hoursAgo * HOUR;
    const steps = story.steps.map(([minutes, by, step]) => ({
      at: new Date((t = Math.min(end, t + minutes * MINUTE))),
      by: byName(by),
      step,
    }));
    plan.push({
      fields: { ...story.fields, tags: [...story.fields.tags, DEMO_TAG] },
      createdBy: byName(story.by),
      createdAt: new Date(end - story.hoursAgo * HOUR),
      steps: steps.map((st) =>
        st.step.kind === 'edit' && st.step.edit.tags ? { ...st, step: edit({ tags: [...st.step.edit.tags, DEMO_TAG] }) } : st,
      ),
    });
  }

  const r = random(2026);
  const titles = new Set(plan.map((a) => a.fields.title));
  while (plan.length < count) {
    const component = r.weighted(COMPONENT_WEIGHTS);
    const template = r.pick(TEMPLATES[component]!);
    const env = r.weighted({ prod: 55, staging: 30, dev: 15 });
    const svc = r.pick(SERVICES);
    const title = template.title.replaceAll('{svc}', svc).replaceAll('{env}', env);
    if (titles.has(title)) continue;
    titles.add(title);

    const priority: Priority =
      env === 'prod'
        ? r.weighted({ critical: 6, high: 34, medium: 42, low: 18 })
        : r.weighted({ critical: 1, high: 15, medium: 50, low: 34 });
    const target: Status = r.weighted({ open: 32, in_progress: 16, blocked: 8, resolved: 20, closed: 24 });
    const creator = r.chance(0.2) ? r.pick(LEADS) : r.pick(MEMBERS);
    const assignee = r.pick(MEMBERS);
    const ownedAtStart = r.chance(0.55);
    const topical = (template.tags ?? []).filter(() => r.chance(0.8));
    const tags = [env, ...topical, ...(r.chance(0.25) ? ['follow-up'] : []), DEMO_TAG];
    // Denser on the incident days (the first three and the last two).
    const day = Number(r.weighted({ '0': 18, '1': 16, '2': 16, '3': 10, '4': 10, '5': 15, '6': 15 }));
    const createdAt = start + ((day + r.next()) / 7) * (end - HOUR - start);

    const steps: { gapMin: number; by: Identity; step: DemoStep }[] = [];
    const gap = (lo: number, hi: number) => lo + r.next() * (hi - lo);
    if (!ownedAtStart && target !== 'open') steps.push({ gapMin: gap(10, 240), by: r.pick(LEADS), step: edit({ owner: assignee.user }) });
    if (priority !== 'critical' && r.chance(0.15)) {
      const higher: Priority = priority === 'low' ? 'medium' : priority === 'medium' ? 'high' : 'critical';
      steps.push({ gapMin: gap(20, 600), by: r.pick(LEADS), step: edit({ priority: higher }) });
    }
    if (target !== 'open') {
      steps.push({ gapMin: gap(15, 900), by: assignee, step: s('in_progress') });
      if (target === 'blocked') steps.push({ gapMin: gap(30, 900), by: assignee, step: s('blocked', { note: r.pick(BLOCKED_NOTES) }) });
      const notes = r.pick(template.resolved);
      if (target === 'resolved' || (target === 'closed' && r.chance(0.85))) {
        steps.push({ gapMin: gap(30, 1800), by: assignee, step: s('resolved', { resolutionNotes: notes }) });
        if (target === 'closed') steps.push({ gapMin: gap(60, 1800), by: r.pick(LEADS), step: s('closed') });
      } else if (target === 'closed') {
        steps.push({ gapMin: gap(30, 1200), by: r.pick(LEADS), step: s('closed', { resolutionNotes: r.pick(CLOSED_DIRECTLY) }) });
      }
    } else if (r.chance(0.1)) {
      steps.push(
        { gapMin: gap(30, 600), by: assignee, step: s('in_progress') },
        { gapMin: gap(30, 600), by: assignee, step: s('open', { note: 'Paused: higher-priority incident.' }) },
      );
    }
    if (r.chance(0.08))
      steps.push({
        gapMin: gap(10, 300),
        by: creator,
        step: edit({ tags: [...tags.filter((t) => t !== DEMO_TAG), 'needs-review', DEMO_TAG] }),
      });

    // The steps' gaps, squeezed into part of what is left of the week if they would run past its end.
    const total = steps.reduce((sum, st) => sum + st.gapMin * MINUTE, 0);
    const scale = total > 0 ? Math.min(1, ((end - createdAt) * (0.3 + 0.7 * r.next())) / total) : 1;
    let t = createdAt;
    plan.push({
      fields: {
        title,
        description: template.description ? `${template.description} (${svc}, ${env})` : undefined,
        priority,
        owner: ownedAtStart ? assignee.user : undefined,
        component,
        tags,
      },
      createdBy: creator,
      createdAt: new Date(createdAt),
      steps: steps.map((st) => ({ at: new Date((t = Math.min(end, t + st.gapMin * MINUTE * scale))), by: st.by, step: st.step })),
    });
  }
  return plan;
}
