// The CDK twin and the Terraform describe the same deployment: this suite
// reads both, for dev and for prod (CDK synthesized offline with
// buildStack(app, env); Terraform parsed statically and evaluated with that
// environment's envs/<env>.tfvars by evalTf/resolveTf), and compares them
// property by property. Every assertion names the property; where SPEC.md
// (issue 14) fixes a value, a second assertion "(SPEC)" pins it, so a change on
// either side fails. Values are never written down for both sides at once:
// each side is read from its own source.
//
// References are compared by what they point at: a Terraform value that only
// apply knows (`aws_db_instance.this.address`) and the CDK token for the same
// thing (`Fn::GetAtt [Database, Endpoint.Address]`) both render as
// `<database.address>` (see THINGS); attributes Terraform echoes from the
// resource's own arguments (a bucket's name, a role's name) are evaluated.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  buildBootstrapStack,
  buildStack,
  defaultBootstrapProps,
  defaultProps,
  LISTENER_PRIORITY,
  logicalIds,
  PROBE_ROUND_COMMAND,
  RECONCILE_COMMAND,
  REGION,
  type DeployEnv,
  type LogicalIds,
} from '../../cdk/stack';
import { App, Template } from '../../cdk/testing';
import { loadConfig, SETTINGS, unsafeListenReason } from '../../lib/config';
import { evalTf, isUnknown, loadAll, loadTfvars, moduleCall, TERRAFORM_ROOT, type TfModule } from '../support/terraform';
import { cdkListeners, isMetricsBlock, tfListeners, type Listener } from './listeners';

type Json = Record<string, any>;
const ENVS: DeployEnv[] = ['dev', 'prod'];
const asArray = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

// The KMS variant: a key on the evidence bucket and the log group, and force destroy (dev only).
const EVIDENCE_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const LOG_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/66666666-7777-8888-9999-000000000000`;
// The probe variant: dev with the rounds run by an EventBridge schedule.
const PROBE_SCHEDULE = 'rate(5 minutes)';

interface Side {
  /** Terraform variables of this case (envs/<env>.tfvars, plus the variant's). */
  vars: Record<string, unknown>;
  /** Resources of the CDK template. */
  cdk: Json;
  ids: LogicalIds;
}
let modules: TfModule[];
const sides = {} as Record<DeployEnv | 'kms' | 'probe', Side>;
let bootstrapCdk: Json;
let bootstrapVars: Record<string, unknown>;
const timings: Record<string, number> = {};

beforeAll(async () => {
  let t = Date.now();
  modules = await loadAll();
  timings['terraform parse'] = Date.now() - t;
  for (const env of ENVS) {
    const vars = await loadTfvars(join(TERRAFORM_ROOT, 'envs', `${env}.tfvars`));
    t = Date.now();
    const stack = buildStack(new App(), env);
    sides[env] = { vars, cdk: Template.fromStack(stack).toJSON().Resources, ids: logicalIds(stack) };
    timings[`synth ${env}`] = Date.now() - t;
  }
  t = Date.now();
  const kms = buildStack(new App(), 'dev', { kmsKeyArn: EVIDENCE_KEY, logKmsKeyArn: LOG_KEY, evidenceForceDestroy: true });
  sides.kms = {
    vars: { ...sides.dev.vars, evidence_kms_key_arn: EVIDENCE_KEY, log_kms_key_arn: LOG_KEY, evidence_force_destroy: true },
    cdk: Template.fromStack(kms).toJSON().Resources,
    ids: logicalIds(kms),
  };
  timings['synth dev+kms'] = Date.now() - t;
  t = Date.now();
  const probe = buildStack(new App(), 'dev', { probeSchedule: PROBE_SCHEDULE });
  sides.probe = {
    vars: { ...sides.dev.vars, probe_schedule: PROBE_SCHEDULE },
    cdk: Template.fromStack(probe).toJSON().Resources,
    ids: logicalIds(probe),
  };
  timings['synth dev+probe'] = Date.now() - t;
  t = Date.now();
  bootstrapCdk = Template.fromStack(buildBootstrapStack(new App())).toJSON().Resources;
  timings['synth bootstrap'] = Date.now() - t;
  // github_repository has no default: the CDK bootstrap's own default is the case compared.
  bootstrapVars = { github_repository: defaultBootstrapProps().githubRepository };
  console.info(`compare.test.ts timings (ms): ${JSON.stringify(timings)}`);
}, 300_000);

// ---------------------------------------------------------------- reading Terraform

const mod = (name: string): TfModule => {
  const found = modules.find((m) => m.name === name);
  if (!found) throw new Error(`no Terraform module ${name}`);
  return found;
};
const tfRes = (name: string, type: string, key = 'this'): Json => {
  const block = mod(name).resource[type]?.[key];
  if (!block) throw new Error(`${name}: no ${type}.${key}`);
  return block;
};
const tfData = (name: string, type: string, key = 'this'): Json => {
  const block = mod(name).data[type]?.[key];
  if (!block) throw new Error(`${name}: no data.${type}.${key}`);
  return block;
};
/** The number of instances of a resource (`count`), as the plan would decide it. */
const tfCount = (s: Side, name: string, block: Json): number => (block.count === undefined ? 1 : Number(ev(s, name, block.count)));

/**
 * A Terraform value of module `name`, evaluated with the case's variables and
 * rendered for comparison: unknown parts become `<thing>` (THINGS), or the
 * value Terraform echoes from the resource's own arguments.
 */
function ev(s: Side, name: string, value: unknown, bindings: Record<string, unknown> = {}): any {
  const vars = name === 'bootstrap' ? { ...bootstrapVars, ...s.vars } : s.vars;
  return settle(s, evalTf(modules, name, value, vars, { bindings, attribute: (where, ref) => known(s, where, ref) }));
}
/** A resource attribute as THINGS names it, or as Terraform echoes it from the resource's arguments. */
function known(s: Side, where: string, ref: string): unknown {
  const thing = THINGS.find((x) => x.tf === `${where}:${ref}`);
  if (thing) return `<${thing.thing}>`;
  // The provider's built-in table of the regions' Elastic Load Balancing accounts (AWS documentation).
  const elb = /^data\.aws_elb_service_account\.([\w-]+)$/.exec(ref);
  if (elb) {
    const block = mod(where).data.aws_elb_service_account?.[elb[1]!];
    const region = String(ev(s, where, block?.region ?? '${var.region}'));
    return Array.from({ length: block?.count === undefined ? 1 : Number(ev(s, where, block.count)) }, () => ({
      arn: `arn:aws:iam::${ELB_ACCOUNTS[region] ?? `<elb account of ${region}>`}:root`,
    }));
  }
  return echo(s, where, ref);
}
const ELB_ACCOUNTS: Record<string, string> = { 'eu-west-1': '156460612806', 'us-east-1': '127311923021' };
function settle(s: Side, v: unknown): any {
  if (isUnknown(v)) return settleText(s, v.text);
  if (Array.isArray(v)) return v.map((x) => settle(s, x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, settle(s, x)]));
  return v;
}
/** `${modules/rds:aws_db_instance.this.address}` → `<database.address>`; `${modules/s3:aws_s3_bucket.this.arn}` → `arn:aws:s3:::…`. */
function settleText(s: Side, text: string): string {
  let out = text;
  for (let i = 0; i < 5 && /\$\{[^{}]+\}/.test(out); i += 1) {
    out = out.replace(/\$\{([^{}:]+):([^{}]+)\}/g, (whole, where: string, ref: string) => {
      const value = known(s, where, ref);
      return typeof value === 'string' ? value : whole;
    });
  }
  return out;
}
/** What apply would report for attributes that merely echo a resource's arguments. */
function echo(s: Side, where: string, ref: string): string | undefined {
  const m = /^(aws_[a-z0-9_]+)\.([\w-]+)(?:\[\d+\])?\.([\w]+)$/.exec(ref);
  if (!m || where === '.' || !mod(where)) return undefined;
  const [, type, key, attr] = m;
  const block = mod(where).resource[type!]?.[key!];
  if (!block) return undefined;
  const arg = (a: string) => {
    const v = ev(s, where, block[a]);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  };
  if (type === 'aws_s3_bucket' && (attr === 'bucket' || attr === 'id')) return arg('bucket');
  if (type === 'aws_s3_bucket' && attr === 'arn') return `arn:aws:s3:::${arg('bucket')}`;
  if (type === 'aws_cloudwatch_log_group' && attr === 'arn') {
    return `arn:aws:logs:${String(ev(s, '.', '${var.region}'))}:${ACCOUNT}:log-group:${arg('name')}`;
  }
  if (type === 'aws_iam_role' && attr === 'arn') return `arn:aws:iam::${ACCOUNT}:role/${arg('name')}`;
  if (attr === 'id' || attr === 'arn') return undefined;
  return block[attr!] === undefined ? undefined : arg(attr!);
}

// ---------------------------------------------------------------- reading CDK

/** What apply alone knows, named the same for both tools. */
const THINGS: { thing: string; tf: string; cdk: (ids: LogicalIds) => string }[] = [
  { thing: 'database.address', tf: 'modules/rds:aws_db_instance.this.address', cdk: (i) => `${i.database}.Endpoint.Address` },
  {
    thing: 'database.master_secret_arn',
    tf: 'modules/rds:aws_db_instance.this.master_user_secret[0].secret_arn',
    cdk: (i) => `${i.database}.MasterUserSecret.SecretArn`,
  },
  { thing: 'alb.arn', tf: 'modules/alb:aws_lb.this.arn', cdk: (i) => `ref:${i.loadBalancer}` },
  { thing: 'web_acl.arn', tf: 'modules/alb:aws_wafv2_web_acl.this[0].arn', cdk: (i) => `${i.webAcl}.Arn` },
  { thing: 'cluster.arn', tf: 'modules/ecs:aws_ecs_cluster.this.arn', cdk: (i) => `${i.cluster}.Arn` },
  { thing: 'task_definition.arn', tf: 'modules/ecs:aws_ecs_task_definition.this.arn', cdk: (i) => `ref:${i.taskDefinition}` },
  { thing: 'execution_role.arn', tf: 'modules/iam:aws_iam_role.execution.arn', cdk: (i) => `${i.executionRole}.Arn` },
  { thing: 'task_role.arn', tf: 'modules/iam:aws_iam_role.task.arn', cdk: (i) => `${i.taskRole}.Arn` },
  { thing: 'alarm_topic.arn', tf: 'modules/cloudwatch:aws_sns_topic.this.arn', cdk: (i) => `ref:${i.alarmTopic}` },
  { thing: 'github_oidc_provider.arn', tf: 'bootstrap:aws_iam_openid_connect_provider.github[0].arn', cdk: () => 'ref:GITHUB_OIDC' },
];
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A template value as a plain value: pseudo parameters filled, buckets by their names, references as `<thing>`. */
function render(resources: Json, ids: LogicalIds | undefined, v: unknown): any {
  const named = (key: string): string | undefined => {
    const thing = ids && THINGS.find((x) => x.cdk(ids) === key);
    if (thing) return `<${thing.thing}>`;
    if (key === 'ref:GITHUB_OIDC') return '<github_oidc_provider.arn>';
    return undefined;
  };
  const r = (x: unknown): any => {
    if (Array.isArray(x)) return x.map(r);
    if (!x || typeof x !== 'object') return x;
    const o = x as Json;
    if ('Ref' in o) {
      const id = String(o.Ref);
      if (id in PSEUDO) return PSEUDO[id];
      const res = resources[id];
      if (res?.Type === 'AWS::S3::Bucket' && typeof res.Properties?.BucketName === 'string') return res.Properties.BucketName;
      if (res?.Type === 'AWS::Logs::LogGroup' && typeof res.Properties?.LogGroupName === 'string') return res.Properties.LogGroupName;
      if (res?.Type === 'AWS::IAM::OIDCProvider') return named('ref:GITHUB_OIDC');
      return named(`ref:${id}`) ?? `\${ref:${id}}`;
    }
    if ('Fn::GetAtt' in o) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      const res = resources[id];
      if (res?.Type === 'AWS::S3::Bucket' && attr === 'Arn' && typeof res.Properties?.BucketName === 'string') {
        return `arn:aws:s3:::${res.Properties.BucketName}`;
      }
      if (res?.Type === 'AWS::IAM::Role' && attr === 'Arn' && typeof res.Properties?.RoleName === 'string') {
        return named(`${id}.${attr}`) ?? `arn:aws:iam::${ACCOUNT}:role/${res.Properties.RoleName}`;
      }
      return named(`${id}.${attr}`) ?? `\${${id}.${attr}}`;
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return (parts.map(r) as unknown[]).map(String).join(sep);
    }
    if ('Fn::Sub' in o && typeof o['Fn::Sub'] === 'string') {
      return (o['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (w, name: string) => PSEUDO[name] ?? w);
    }
    return Object.fromEntries(Object.entries(o).map(([k, y]) => [k, r(y)]));
  };
  return r(v);
}
const props = (s: Side, id: string | undefined): Json => {
  if (!id) throw new Error('CDK logical id missing (logicalIds gave undefined)');
  const res = s.cdk[id];
  if (!res) throw new Error(`CDK template has no ${id}`);
  return res.Properties ?? {};
};
const cdkR = (s: Side, v: unknown) => render(s.cdk, s.ids, v);
const ofType = (resources: Json, type: string): [string, Json][] =>
  Object.entries(resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
const attribute = (list: unknown, key: string): unknown => asArray<Json>(list as Json[]).find((a) => a.Key === key)?.Value;

/**
 * Equal in both tools, and, when given, equal to what SPEC.md fixes. Soft: a
 * test reports every property that differs, not only the first.
 */
function same(property: string, tf: unknown, cdk: unknown, spec?: { value: unknown }): void {
  expect.soft(tf, `${property}: TF ${JSON.stringify(tf)} vs CDK ${JSON.stringify(cdk)}`).toEqual(cdk);
  if (spec) expect.soft(tf, `${property} (SPEC): want ${JSON.stringify(spec.value)}`).toEqual(spec.value);
}
const SPEC = (value: unknown) => ({ value });

// ---------------------------------------------------------------- IAM policy documents, normalized

interface Statement {
  sid: string;
  effect: string;
  actions: string[];
  notActions?: string[];
  resources: string[];
  principals: string[];
  conditions: string[];
}
const byName = (ss: Statement[]) => Object.fromEntries(ss.map((st) => [st.sid, st]));

/** The statements of a data "aws_iam_policy_document", dynamic blocks expanded, for one `each.key`. */
function tfStatements(s: Side, name: string, doc: string, each?: string): Statement[] {
  const block = tfData(name, 'aws_iam_policy_document', doc);
  const bindings: Record<string, unknown> = each === undefined ? {} : { each: { key: each, value: each } };
  const out: Statement[] = [];
  const one = (st: Json, b: Record<string, unknown>) => {
    const e = (v: unknown) => ev(s, name, v, b);
    out.push({
      sid: String(e(st.sid ?? '')),
      effect: String(e(st.effect ?? 'Allow')),
      actions: sorted(asArray<unknown>(e(st.actions) as unknown[]).map(String)),
      ...(st.not_actions ? { notActions: sorted(asArray<unknown>(e(st.not_actions)).map(String)) } : {}),
      resources: sorted(
        asArray<unknown>(e(st.resources) as unknown[])
          .flat()
          .map(String),
      ),
      principals: sorted(
        asArray<Json>(st.principals).flatMap((p) =>
          asArray<unknown>(e(p.identifiers)).map((id) => `${e(p.type) === '*' ? 'AWS' : String(e(p.type))}=${String(id)}`),
        ),
      ),
      conditions: sorted(
        asArray<Json>(st.condition).map(
          (c) => `${e(c.test)} ${e(c.variable)}=${sorted(asArray<unknown>(e(c.values)).map(String)).join(',')}`,
        ),
      ),
    });
  };
  for (const st of asArray<Json>(block.statement)) one(st, bindings);
  for (const dyn of asArray<Json>(block.dynamic?.statement)) {
    const coll = ev(s, name, dyn.for_each, bindings);
    const iterator = String(dyn.iterator ?? 'statement');
    const entries: [unknown, unknown][] = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : Object.entries(coll ?? {});
    for (const [key, value] of entries) for (const st of asArray<Json>(dyn.content)) one(st, { ...bindings, [iterator]: { key, value } });
  }
  return out;
}

function cdkStatements(s: Side | { cdk: Json; ids?: LogicalIds }, document: Json | undefined): Statement[] {
  const r = (v: unknown) => render(s.cdk, s.ids, v);
  return asArray<Json>(document?.Statement).map((st) => ({
    sid: String(st.Sid ?? ''),
    effect: String(st.Effect),
    actions: sorted(asArray<string>(st.Action)),
    ...(st.NotAction ? { notActions: sorted(asArray<string>(st.NotAction)) } : {}),
    resources: sorted(asArray<unknown>(r(st.Resource)).map(String)),
    principals: sorted(
      st.Principal === '*'
        ? ['AWS=*']
        : Object.entries((st.Principal ?? {}) as Json).flatMap(([type, ids]) =>
            asArray<unknown>(r(ids)).map((id) => `${type}=${String(id)}`),
          ),
    ),
    conditions: sorted(
      Object.entries((st.Condition ?? {}) as Json).flatMap(([test, kv]) =>
        Object.entries(kv as Json).map(([k, v]) => `${test} ${k}=${sorted(asArray<unknown>(r(v)).map(String)).join(',')}`),
      ),
    ),
  }));
}

/**
 * Statement by statement, matched by Sid (actions, resources, principals,
 * conditions must be equal); a Terraform statement whose Sid the CDK statement
 * lacks (CDK's enforceSSL writes none) matches a Sid-less CDK statement with
 * the same content. Every difference is reported, then the unmatched ones.
 */
function samePolicy(property: string, tf: Statement[], cdk: Statement[]): void {
  const content = (x: Statement) => JSON.stringify({ ...x, sid: '' });
  const left = [...cdk];
  const missing: string[] = [];
  for (const t of tf) {
    let i = left.findIndex((c) => c.sid !== '' && c.sid === t.sid);
    if (i === -1) i = left.findIndex((c) => c.sid === '' && content(c) === content(t));
    if (i === -1) {
      missing.push(t.sid || content(t));
      continue;
    }
    const [c] = left.splice(i, 1);
    expect
      .soft(c!.sid === '' ? { ...t, sid: '' } : t, `${property} statement ${t.sid}: TF ${JSON.stringify(t)} vs CDK ${JSON.stringify(c)}`)
      .toEqual(c);
  }
  expect.soft(missing, `${property}: TF statements the CDK lacks`).toEqual([]);
  expect
    .soft(
      left.map((c) => c.sid || content(c)),
      `${property}: CDK statements Terraform lacks`,
    )
    .toEqual([]);
  expect.soft(tf.length, `${property}: TF statements have unique Sids`).toBe(new Set(tf.map((x) => x.sid)).size);
}

// ================================================================= per environment

describe.each(ENVS)('%s: CDK vs Terraform', (env) => {
  const S = () => sides[env];
  const prod = env === 'prod';

  // ---------------------------------------------------------------- load balancer

  describe('load balancer and target group', () => {
    it('container port and target-group port', () => {
      const s = S();
      const container = tfContainer(s);
      const cdkContainer = props(s, s.ids.taskDefinition).ContainerDefinitions[0];
      same('container name', container.name, cdkContainer.Name, SPEC('app'));
      same('container port', container.portMappings[0].containerPort, cdkContainer.PortMappings[0].ContainerPort, SPEC(8080));
      const service = tfRes('modules/ecs', 'aws_ecs_service');
      const cdkLb = props(s, s.ids.service).LoadBalancers[0];
      same(
        'service load_balancer container_port',
        ev(s, 'modules/ecs', service.load_balancer[0].container_port),
        cdkLb.ContainerPort,
        SPEC(8080),
      );
      same('service load_balancer container_name', ev(s, 'modules/ecs', service.load_balancer[0].container_name), cdkLb.ContainerName);
      const tg = tfRes('modules/alb', 'aws_lb_target_group');
      const cdkTg = props(s, s.ids.targetGroup);
      same('target-group port', tg.port, cdkTg.Port, SPEC(8080));
      same('target-group protocol', tg.protocol, cdkTg.Protocol, SPEC('HTTP'));
      same('target-group target type', tg.target_type, cdkTg.TargetType, SPEC('ip'));
    });

    it('health check: path, matcher, interval, timeout, thresholds; deregistration delay', () => {
      const s = S();
      const tg = tfRes('modules/alb', 'aws_lb_target_group');
      const hc = tg.health_check[0];
      const c = props(s, s.ids.targetGroup);
      same('health check enabled', hc.enabled, c.HealthCheckEnabled, SPEC(true));
      same('health check path', hc.path, c.HealthCheckPath, SPEC('/health'));
      same('health check matcher', hc.matcher, c.Matcher?.HttpCode, SPEC('200'));
      same('health check interval', hc.interval, c.HealthCheckIntervalSeconds, SPEC(15));
      same('health check timeout', hc.timeout, c.HealthCheckTimeoutSeconds, SPEC(5));
      same('health check healthy threshold', hc.healthy_threshold, c.HealthyThresholdCount, SPEC(2));
      same('health check unhealthy threshold', hc.unhealthy_threshold, c.UnhealthyThresholdCount, SPEC(3));
      same(
        'deregistration delay',
        tg.deregistration_delay,
        Number(attribute(c.TargetGroupAttributes, 'deregistration_delay.timeout_seconds')),
        SPEC(30),
      );
    });

    it('ALB: idle timeout, drop_invalid_header_fields, internet-facing', () => {
      const s = S();
      const lb = tfRes('modules/alb', 'aws_lb');
      const c = props(s, s.ids.loadBalancer);
      same('ALB idle timeout', lb.idle_timeout, Number(attribute(c.LoadBalancerAttributes, 'idle_timeout.timeout_seconds')), SPEC(60));
      same(
        'ALB drop_invalid_header_fields',
        lb.drop_invalid_header_fields,
        attribute(c.LoadBalancerAttributes, 'routing.http.drop_invalid_header_fields.enabled') === 'true',
        SPEC(true),
      );
      same('ALB internal', lb.internal, c.Scheme === 'internal', SPEC(false));
      same('ALB name', ev(s, 'modules/alb', lb.name), c.Name, SPEC(`action-tracker-${env}`));
    });

    it(`ALB access logs: ${prod ? 'on' : 'off'} (SPEC), prefix alb, into the log bucket`, () => {
      const s = S();
      const call = moduleCall(modules, 'modules/alb')!;
      const tfOn = ev(s, '.', call.access_logs_enabled);
      const c = props(s, s.ids.loadBalancer);
      const cdkOn = attribute(c.LoadBalancerAttributes, 'access_logs.s3.enabled') === 'true';
      same('ALB access logs enabled', tfOn, cdkOn, SPEC(prod));
      const dyn = asArray<Json>(tfRes('modules/alb', 'aws_lb').dynamic?.access_logs)[0]!;
      expect(ev(s, 'modules/alb', dyn.for_each), 'TF access_logs block follows access_logs_enabled').toEqual(tfOn ? [1] : []);
      if (tfOn) {
        const content = dyn.content[0];
        same(
          'ALB access logs bucket',
          ev(s, 'modules/alb', content.bucket),
          cdkR(s, attribute(c.LoadBalancerAttributes, 'access_logs.s3.bucket')),
          SPEC(`action-tracker-${env}-logs-${ACCOUNT}`),
        );
        same(
          'ALB access logs prefix',
          ev(s, 'modules/alb', content.prefix),
          attribute(c.LoadBalancerAttributes, 'access_logs.s3.prefix'),
          SPEC('alb'),
        );
      } else {
        expect(attribute(c.LoadBalancerAttributes, 'access_logs.s3.bucket'), 'CDK access logs bucket (off)').toBeUndefined();
      }
    });
  });

  // ---------------------------------------------------------------- listeners

  describe('listeners, sign-in and rules', () => {
    const tfL = () => tfListeners(modules, S().vars);
    const cdkL = () => cdkListeners(S().cdk);
    const byPort = (ls: Listener[], port: number, tool: string) => {
      const found = ls.filter((l) => l.port === port);
      expect(found.length, `${tool}: listeners on port ${port}`).toBe(1);
      return found[0]!;
    };

    it('the same listeners; HTTP (80) only redirects to HTTPS with a 301', () => {
      same(
        'listeners (port/protocol)',
        sorted(tfL().map((l) => `${l.port}/${l.protocol}`)),
        sorted(cdkL().map((l) => `${l.port}/${l.protocol}`)),
        SPEC(['443/HTTPS', '80/HTTP']),
      );
      const shape = (l: Listener) => ({
        actions: l.defaultActions.map((a) => ({ type: a.type, redirect: a.redirect })),
        rules: l.rules.length,
      });
      same(
        'port 80 default action and rules',
        shape(byPort(tfL(), 80, 'TF')),
        shape(byPort(cdkL(), 80, 'CDK')),
        SPEC({
          actions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
          rules: 0,
        }),
      );
    });

    it('HTTPS (443): TLS policy, certificate, default actions authenticate-oidc then forward', () => {
      const s = S();
      same(
        'HTTPS TLS policy',
        tfRes('modules/alb', 'aws_lb_listener', 'https').ssl_policy,
        props(s, s.ids.httpsListener).SslPolicy,
        SPEC('ELBSecurityPolicy-TLS13-1-2-2021-06'),
      );
      const tfHttps = byPort(tfL(), 443, 'TF');
      const cdkHttps = byPort(cdkL(), 443, 'CDK');
      same('HTTPS certificate', tfHttps.certificate, cdkHttps.certificate, SPEC(s.vars.certificate_arn));
      const shape = (l: Listener) => l.defaultActions.map((a) => `${a.order} ${a.type}${a.forwardTo ? ` → ${a.forwardTo}` : ''}`);
      same('HTTPS default actions', shape(tfHttps), shape(cdkHttps), SPEC(['1 authenticate-oidc', '2 forward → target-group']));
    });

    it('the authenticate-oidc configuration, property by property', () => {
      const s = S();
      const tfOidc = byPort(tfL(), 443, 'TF').defaultActions[0]!.oidc!;
      const cdkOidc = byPort(cdkL(), 443, 'CDK').defaultActions[0]!.oidc!;
      const tfvar: Record<string, string> = {
        issuer: 'oidc_issuer',
        authorizationEndpoint: 'oidc_authorization_endpoint',
        tokenEndpoint: 'oidc_token_endpoint',
        userInfoEndpoint: 'oidc_user_info_endpoint',
        clientId: 'oidc_client_id',
        scope: 'oidc_scope',
      };
      for (const [key, variable] of Object.entries(tfvar)) {
        same(`authenticate-oidc ${key}`, tfOidc[key as keyof typeof tfOidc], cdkOidc[key as keyof typeof cdkOidc], SPEC(s.vars[variable]));
      }
      same('authenticate-oidc session timeout', tfOidc.sessionTimeout, cdkOidc.sessionTimeout, SPEC(28800));
      same(
        'authenticate-oidc on unauthenticated request',
        tfOidc.onUnauthenticatedRequest,
        cdkOidc.onUnauthenticatedRequest,
        SPEC('authenticate'),
      );
      // The client secret: the same secret, read where it is kept, never written down.
      const arn = String(s.vars.oidc_client_secret_arn);
      expect(cdkOidc.clientSecret, 'CDK client secret: a dynamic reference to the secret').toBe(
        `{{resolve:secretsmanager:${arn}:SecretString:::}}`,
      );
      expect(tfOidc.clientSecret, 'TF client secret: the local').toBe('${local.oidc_client_secret}');
      const alb = mod('modules/alb');
      expect(
        ev(s, 'modules/alb', alb.data.aws_secretsmanager_secret_version?.oidc_client_secret?.secret_id),
        'TF client secret read from',
      ).toBe(arn);
      expect(
        ev(s, 'modules/alb', alb.data.aws_secretsmanager_secret_version?.oidc_client_secret?.count),
        'TF reads it from Secrets Manager',
      ).toBe(1);
    });

    it('the HTTPS rules: priorities, conditions and actions', () => {
      const shape = (l: Listener) =>
        l.rules.map(
          (r) =>
            `${r.priority} if ${r.conditions.join(' & ')} → ${r.actions
              .map((a) =>
                a.fixedResponse
                  ? `${a.type} ${a.fixedResponse.statusCode} ${a.fixedResponse.contentType}`
                  : `${a.type} ${a.forwardTo ?? ''}`.trim(),
              )
              .join(', ')}`,
        );
      same(
        'HTTPS listener rules',
        shape(byPort(tfL(), 443, 'TF')),
        shape(byPort(cdkL(), 443, 'CDK')),
        SPEC([
          '10 if path-pattern=/metrics,/metrics/* → fixed-response 404 application/json',
          '20 if http-header Authorization=Bearer * → forward target-group',
          '30 if http-request-method=GET,HEAD & path-pattern=/health → forward target-group',
        ]),
      );
      same('rule priorities (CDK LISTENER_PRIORITY vs TF local.priority)', mod('modules/alb').locals.priority, LISTENER_PRIORITY);
    });

    it("the /metrics answer: the API's not-found problem", () => {
      const s = S();
      const body = (l: Listener) => {
        const found = l.rules.filter(isMetricsBlock);
        expect(found.length, `${l.where}: /metrics rules`).toBe(1);
        return found[0]!.actions[0]!.fixedResponse!.body;
      };
      const tfBody = JSON.parse(String(ev(s, 'modules/alb', body(byPort(tfL(), 443, 'TF')))));
      const cdkBody = JSON.parse(String(body(byPort(cdkL(), 443, 'CDK'))));
      same(
        '/metrics body',
        tfBody,
        cdkBody,
        SPEC({ type: 'https://infra-action-tracker.dev/problems/not-found', title: 'Not found', status: 404 }),
      );
    });
  });

  // ---------------------------------------------------------------- WAF

  describe('WAF', () => {
    const tfAcl = () => tfRes('modules/alb', 'aws_wafv2_web_acl');
    /** Terraform's rules, the dynamic managed-group rules expanded. */
    const tfRules = (s: Side) => {
      const acl = tfAcl();
      const out: Json[] = [];
      const groups = ev(s, 'modules/alb', asArray<Json>(acl.dynamic.rule)[0]!.for_each) as Record<string, number>;
      const content = asArray<Json>(acl.dynamic.rule)[0]!.content[0];
      for (const [key, value] of Object.entries(groups)) {
        const b = { rule: { key, value } };
        const stmt = content.statement[0].managed_rule_group_statement[0];
        const overrides = asArray<Json>(stmt.dynamic?.rule_action_override).flatMap((d) =>
          asArray<string>(ev(s, 'modules/alb', d.for_each, b)).map((name) => ({
            name,
            action: Object.keys(d.content[0].action_to_use[0])[0],
          })),
        );
        out.push({
          name: ev(s, 'modules/alb', content.name, b),
          priority: ev(s, 'modules/alb', content.priority, b),
          override: Object.keys(content.override_action[0])[0],
          group: `${ev(s, 'modules/alb', stmt.vendor_name, b)}/${ev(s, 'modules/alb', stmt.name, b)}`,
          overrides,
          metric: ev(s, 'modules/alb', content.visibility_config[0].metric_name, b),
        });
      }
      for (const rule of asArray<Json>(acl.rule)) {
        const rate = rule.statement[0].rate_based_statement[0];
        out.push({
          name: rule.name,
          priority: rule.priority,
          action: Object.keys(rule.action[0])[0],
          rate: { limit: ev(s, 'modules/alb', rate.limit), key: rate.aggregate_key_type, window: rate.evaluation_window_sec },
          metric: ev(s, 'modules/alb', rule.visibility_config[0].metric_name),
        });
      }
      return sorted(out);
    };
    const cdkRules = (s: Side) =>
      sorted(
        asArray<Json>(props(s, s.ids.webAcl).Rules).map((r) => {
          const m = r.Statement.ManagedRuleGroupStatement;
          const rate = r.Statement.RateBasedStatement;
          const lower = (o: Json) => Object.keys(o)[0]!.toLowerCase();
          return m
            ? {
                name: r.Name,
                priority: r.Priority,
                override: lower(r.OverrideAction),
                group: `${m.VendorName}/${m.Name}`,
                overrides: asArray<Json>(m.RuleActionOverrides).map((o) => ({ name: o.Name, action: lower(o.ActionToUse) })),
                metric: r.VisibilityConfig.MetricName,
              }
            : {
                name: r.Name,
                priority: r.Priority,
                action: lower(r.Action),
                rate: { limit: rate.Limit, key: rate.AggregateKeyType, window: rate.EvaluationWindowSec },
                metric: r.VisibilityConfig.MetricName,
              };
        }),
      );

    it('a REGIONAL web ACL associated with the load balancer, default allow', () => {
      const s = S();
      const acl = tfAcl();
      same('web ACL exists (TF count vs CDK)', tfCount(s, 'modules/alb', acl), ofType(s.cdk, 'AWS::WAFv2::WebACL').length, SPEC(1));
      const c = props(s, s.ids.webAcl);
      same('web ACL name', ev(s, 'modules/alb', acl.name), c.Name, SPEC(`action-tracker-${env}-alb`));
      same('web ACL scope', acl.scope, c.Scope, SPEC('REGIONAL'));
      same('web ACL default action', Object.keys(acl.default_action[0])[0], Object.keys(c.DefaultAction)[0]!.toLowerCase(), SPEC('allow'));
      const assoc = tfRes('modules/alb', 'aws_wafv2_web_acl_association');
      const cdkAssoc = ofType(s.cdk, 'AWS::WAFv2::WebACLAssociation');
      same('web ACL associations', tfCount(s, 'modules/alb', assoc), cdkAssoc.length, SPEC(1));
      same(
        'web ACL association (resource → ACL)',
        `${ev(s, 'modules/alb', assoc.resource_arn)} → ${ev(s, 'modules/alb', assoc.web_acl_arn)}`,
        `${cdkR(s, cdkAssoc[0]![1].ResourceArn)} → ${cdkR(s, cdkAssoc[0]![1].WebACLArn)}`,
        SPEC('<alb.arn> → <web_acl.arn>'),
      );
    });

    it('rules: the managed groups, the SizeRestrictions_BODY count override, the rate limit', () => {
      const s = S();
      const tf = tfRules(s);
      same('web ACL rules', tf, cdkRules(s));
      const groups = tf.filter((r) => r.group).map((r) => `${r.group} ${r.override}`);
      expect(groups.sort(), 'managed rule groups, override none (SPEC)').toEqual([
        'AWS/AWSManagedRulesAmazonIpReputationList none',
        'AWS/AWSManagedRulesCommonRuleSet none',
        'AWS/AWSManagedRulesKnownBadInputsRuleSet none',
      ]);
      expect(
        tf.flatMap((r) => (r.overrides ?? []).map((o: Json) => `${r.group}: ${o.name} ${o.action}`)),
        'rule action overrides (SPEC)',
      ).toEqual(['AWS/AWSManagedRulesCommonRuleSet: SizeRestrictions_BODY count']);
      const rate = tf.find((r) => r.rate);
      expect(rate, 'rate rule (SPEC)').toMatchObject({ action: 'block', rate: { limit: 2000, key: 'IP', window: 300 } });
      expect(s.vars.waf_rate_limit, 'waf_rate_limit in the tfvars (SPEC)').toBe(2000);
    });

    it('logging: the aws-waf-logs-<name>-<env> log group, retention, redacted headers', () => {
      const s = S();
      const group = tfRes('modules/alb', 'aws_cloudwatch_log_group', 'waf');
      const cdkGroup = props(s, s.ids.wafLogGroup);
      same('WAF log group name', ev(s, 'modules/alb', group.name), cdkGroup.LogGroupName, SPEC(`aws-waf-logs-action-tracker-${env}`));
      same('WAF log group retention', ev(s, 'modules/alb', group.retention_in_days), cdkGroup.RetentionInDays, SPEC(prod ? 90 : 30));
      const logging = tfRes('modules/alb', 'aws_wafv2_web_acl_logging_configuration');
      const cdkLogging = ofType(s.cdk, 'AWS::WAFv2::LoggingConfiguration');
      same('WAF logging configurations', tfCount(s, 'modules/alb', logging), cdkLogging.length, SPEC(1));
      const c = cdkLogging[0]![1];
      same('WAF logging resource', ev(s, 'modules/alb', logging.resource_arn), cdkR(s, c.ResourceArn), SPEC('<web_acl.arn>'));
      same(
        'WAF logging destination',
        asArray(ev(s, 'modules/alb', logging.log_destination_configs)),
        asArray(cdkR(s, c.LogDestinationConfigs)),
        SPEC([`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:aws-waf-logs-action-tracker-${env}`]),
      );
      same(
        'WAF redacted headers',
        asArray<Json>(logging.redacted_fields).map((f) => f.single_header[0].name),
        asArray<Json>(c.RedactedFields).map((f) => f.SingleHeader.Name),
        SPEC(['authorization', 'cookie']),
      );
      const policy = tfRes('modules/alb', 'aws_cloudwatch_log_resource_policy', 'waf');
      const cdkPolicy = ofType(s.cdk, 'AWS::Logs::ResourcePolicy');
      same('WAF log resource policy name', ev(s, 'modules/alb', policy.policy_name), cdkPolicy[0]?.[1].PolicyName);
      same(
        'WAF log resource policy',
        JSON.parse(String(ev(s, 'modules/alb', policy.policy_document))),
        JSON.parse(String(cdkR(s, cdkPolicy[0]?.[1].PolicyDocument))),
      );
    });
  });

  // ---------------------------------------------------------------- VPC

  describe('VPC', () => {
    const vpc = 'modules/vpc';
    const cidrs = (s: Side, kind: 'public' | 'private') => {
      const block = tfRes(vpc, 'aws_subnet', kind);
      const n = tfCount(s, vpc, block);
      return Array.from({ length: n }, (_, i) => ev(s, vpc, block.cidr_block, { count: { index: i } }));
    };

    it('VPC CIDR, subnet CIDRs, no public IPs on launch', () => {
      const s = S();
      same('VPC CIDR', ev(s, vpc, tfRes(vpc, 'aws_vpc').cidr_block), props(s, s.ids.vpc).CidrBlock, SPEC('10.20.0.0/16'));
      same(
        'public subnet CIDRs',
        cidrs(s, 'public'),
        s.ids.publicSubnets.map((id) => props(s, id).CidrBlock),
        SPEC(['10.20.0.0/24', '10.20.1.0/24']),
      );
      same(
        'private subnet CIDRs',
        cidrs(s, 'private'),
        s.ids.privateSubnets.map((id) => props(s, id).CidrBlock),
        SPEC(['10.20.10.0/24', '10.20.11.0/24']),
      );
      for (const kind of ['public', 'private'] as const) {
        const ids = kind === 'public' ? s.ids.publicSubnets : s.ids.privateSubnets;
        same(
          `${kind} subnets map public IP on launch`,
          tfRes(vpc, 'aws_subnet', kind).map_public_ip_on_launch,
          ids.some((id) => props(s, id).MapPublicIpOnLaunch === true),
          SPEC(false),
        );
      }
    });

    it(`NAT gateways: ${prod ? 'one per AZ' : 'one'} (SPEC)`, () => {
      const s = S();
      const tfNat = tfCount(s, vpc, tfRes(vpc, 'aws_nat_gateway'));
      same('NAT gateway count', tfNat, ofType(s.cdk, 'AWS::EC2::NatGateway').length, SPEC(prod ? 2 : 1));
      same('NAT EIP count', tfCount(s, vpc, tfRes(vpc, 'aws_eip', 'nat')), ofType(s.cdk, 'AWS::EC2::EIP').length, SPEC(prod ? 2 : 1));
      // Every private subnet routes 0.0.0.0/0 to a NAT gateway.
      const cdkNatRoutes = ofType(s.cdk, 'AWS::EC2::Route').filter(([, r]) => r.NatGatewayId && r.DestinationCidrBlock === '0.0.0.0/0');
      same('private default routes to a NAT', tfCount(s, vpc, tfRes(vpc, 'aws_route', 'private_nat')), cdkNatRoutes.length, SPEC(2));
      expect(s.vars.single_nat_gateway, 'single_nat_gateway in the tfvars (SPEC)').toBe(!prod);
    });

    it('flow logs: ALL traffic, 600 s aggregation, S3 destination prefix vpc-flow-logs/', () => {
      const s = S();
      const fl = tfRes(vpc, 'aws_flow_log');
      const cdkFl = ofType(s.cdk, 'AWS::EC2::FlowLog');
      same('flow logs count', tfCount(s, vpc, fl), cdkFl.length, SPEC(1));
      const c = cdkFl[0]![1];
      same('flow logs traffic type', fl.traffic_type, c.TrafficType, SPEC('ALL'));
      same('flow logs max aggregation interval', fl.max_aggregation_interval, c.MaxAggregationInterval, SPEC(600));
      same('flow logs destination type', fl.log_destination_type, c.LogDestinationType, SPEC('s3'));
      same(
        'flow logs destination',
        ev(s, vpc, fl.log_destination),
        cdkR(s, c.LogDestination),
        SPEC(`arn:aws:s3:::action-tracker-${env}-logs-${ACCOUNT}/vpc-flow-logs/`),
      );
      same('flow logs resource', 'VPC', c.ResourceType);
    });

    it('the S3 gateway endpoint on the private route tables', () => {
      const s = S();
      const ep = tfRes(vpc, 'aws_vpc_endpoint', 's3');
      const cdkEps = ofType(s.cdk, 'AWS::EC2::VPCEndpoint').filter(([, e]) => String(cdkR(s, e.ServiceName)).endsWith('.s3'));
      same('S3 endpoints', 1, cdkEps.length);
      const c = cdkEps[0]![1];
      same('S3 endpoint service', ev(s, vpc, ep.service_name), cdkR(s, c.ServiceName), SPEC(`com.amazonaws.${REGION}.s3`));
      same('S3 endpoint type', ep.vpc_endpoint_type, c.VpcEndpointType, SPEC('Gateway'));
      expect(ep.route_table_ids, 'TF S3 endpoint route tables').toBe('${aws_route_table.private[*].id}');
      const privateTables = new Set(s.ids.privateSubnets.map((id) => id.replace(/Subnet[0-9A-F]{8}$/, '')));
      expect(
        asArray<Json>(c.RouteTableIds)
          .map((r) => String(r.Ref))
          .every((id) => [...privateTables].some((p) => id.startsWith(p))),
        'CDK S3 endpoint on the private route tables',
      ).toBe(true);
      same(
        'S3 endpoint route table count',
        tfCount(s, vpc, tfRes(vpc, 'aws_route_table', 'private')),
        asArray(c.RouteTableIds).length,
        SPEC(2),
      );
      same(
        'interface endpoints (enable_interface_endpoints off in the tfvars)',
        asArray(ev(s, vpc, tfRes(vpc, 'aws_vpc_endpoint', 'interface').for_each)).length,
        ofType(s.cdk, 'AWS::EC2::VPCEndpoint').length - 1,
        SPEC(0),
      );
    });

    it('the default security group holds no rules', () => {
      const s = S();
      const sg = tfRes(vpc, 'aws_default_security_group');
      // aws_default_security_group without ingress/egress blocks removes every rule.
      same(
        'default SG rules removed (TF: no ingress/egress blocks; CDK: the restrict-default-SG resource)',
        sg.ingress === undefined && sg.egress === undefined,
        ofType(s.cdk, 'Custom::VpcRestrictDefaultSG').length === 1,
        SPEC(true),
      );
      const restrict = ofType(s.cdk, 'Custom::VpcRestrictDefaultSG')[0]![1];
      expect(restrict.DefaultSecurityGroupId, 'CDK restricts this VPC’s default SG').toEqual({
        'Fn::GetAtt': [s.ids.vpc, 'DefaultSecurityGroup'],
      });
    });
  });

  // ---------------------------------------------------------------- security groups

  describe('security-group chain', () => {
    it('the same ingress and egress rules; ALB 80/443 from anywhere, app 8080 from the ALB, DB 5432 from the app', () => {
      const s = S();
      const tf = tfSgRules(s);
      same('security-group rules', tf, cdkSgRules(s));
      expect(
        tf.filter((r) => r.includes(' ingress ')),
        'ingress rules (SPEC)',
      ).toEqual(
        [
          'alb ingress tcp 443-443 0.0.0.0/0',
          'alb ingress tcp 80-80 0.0.0.0/0',
          'app ingress tcp 8080-8080 sg:alb',
          'db ingress tcp 5432-5432 sg:app',
        ].sort(),
      );
      expect(tf, 'ALB egress to the IdP (SPEC)').toContain('alb egress tcp 443-443 0.0.0.0/0');
    });
  });

  // ---------------------------------------------------------------- RDS

  describe('RDS', () => {
    const rds = 'modules/rds';
    it('engine, storage, encryption, backups, public access, multi-AZ, deletion protection', () => {
      const s = S();
      const db = tfRes(rds, 'aws_db_instance');
      const c = props(s, s.ids.database);
      const e = (v: unknown) => ev(s, rds, v);
      same('RDS engine', db.engine, c.Engine, SPEC('postgres'));
      same('RDS engine version', db.engine_version, c.EngineVersion, SPEC('16.4'));
      same('RDS instance class', e(db.instance_class), c.DBInstanceClass, SPEC(s.vars.db_instance_class));
      same('RDS identifier', e(db.identifier), c.DBInstanceIdentifier, SPEC(`action-tracker-${env}`));
      same('RDS allocated storage', db.allocated_storage, Number(c.AllocatedStorage), SPEC(20));
      same('RDS max allocated storage', db.max_allocated_storage, c.MaxAllocatedStorage, SPEC(100));
      same('RDS storage type', db.storage_type, c.StorageType, SPEC('gp3'));
      same('RDS storage encrypted', db.storage_encrypted, c.StorageEncrypted, SPEC(true));
      same('RDS backup retention', db.backup_retention_period, c.BackupRetentionPeriod, SPEC(7));
      same('RDS backup window', db.backup_window, c.PreferredBackupWindow, SPEC('02:00-03:00'));
      same('RDS maintenance window', db.maintenance_window, c.PreferredMaintenanceWindow, SPEC('sun:03:30-sun:04:30'));
      same('RDS publicly accessible', db.publicly_accessible, c.PubliclyAccessible, SPEC(false));
      same('RDS multi-AZ', e(db.multi_az), c.MultiAZ, SPEC(prod));
      same('RDS deletion protection', e(db.deletion_protection), c.DeletionProtection, SPEC(prod));
      same('RDS auto minor version upgrade', db.auto_minor_version_upgrade, c.AutoMinorVersionUpgrade, SPEC(false));
      same('RDS copy tags to snapshot', db.copy_tags_to_snapshot, c.CopyTagsToSnapshot, SPEC(true));
      same('RDS port', e(db.port), Number(c.Port), SPEC(5432));
      same('RDS database name', e(db.db_name), c.DBName, SPEC('tracker'));
      same('RDS master user', e(db.username), c.MasterUsername, SPEC('tracker'));
      same('RDS IAM database authentication', e(db.iam_database_authentication_enabled), c.EnableIAMDatabaseAuthentication, SPEC(false));
      same('RDS Performance Insights', db.performance_insights_enabled, c.EnablePerformanceInsights, SPEC(true));
      same('RDS Performance Insights retention', db.performance_insights_retention_period, c.PerformanceInsightsRetentionPeriod, SPEC(7));
      same('RDS log exports', db.enabled_cloudwatch_logs_exports, c.EnableCloudwatchLogsExports, SPEC(['postgresql', 'upgrade']));
      // Destroy: TF skips the final snapshot in dev (skip_final_snapshot) ↔ CDK deletes; prod snapshots.
      same(
        'RDS on destroy (TF skip_final_snapshot ↔ CDK DeletionPolicy)',
        e(db.skip_final_snapshot) ? 'Delete' : 'Snapshot',
        s.cdk[s.ids.database].DeletionPolicy,
        SPEC(prod ? 'Snapshot' : 'Delete'),
      );
    });

    it('the master password is RDS-managed: no password anywhere, no generated secret', () => {
      const s = S();
      const db = tfRes(rds, 'aws_db_instance');
      const c = props(s, s.ids.database);
      same('RDS manage master user password', db.manage_master_user_password, c.ManageMasterUserPassword, SPEC(true));
      same('RDS master password set', 'password' in db || 'password_wo' in db, 'MasterUserPassword' in c, SPEC(false));
      expect(
        ofType(s.cdk, 'AWS::SecretsManager::Secret').map(([id]) => id),
        'CDK secrets (no GenerateSecretString secret, no database-url secret)',
      ).toEqual([]);
      expect(
        Object.keys(mod(rds).resource).filter((t) => t.startsWith('aws_secretsmanager') || t.startsWith('random_')),
        'TF secret or random resources in modules/rds',
      ).toEqual([]);
    });

    it('parameter group: postgres16, rds.force_ssl 1, log_min_duration_statement', () => {
      const s = S();
      const pg = tfRes(rds, 'aws_db_parameter_group');
      const c = props(s, s.ids.databaseParameterGroup);
      same('RDS parameter group family', pg.family, c.Family, SPEC('postgres16'));
      const tfParams = Object.fromEntries(asArray<Json>(pg.parameter).map((p) => [p.name, String(p.value)]));
      same('RDS parameters', tfParams, c.Parameters);
      expect(tfParams['rds.force_ssl'], 'rds.force_ssl (SPEC)').toBe('1');
      expect(c.DBParameterGroupName, 'CDK parameter group has no fixed name (TF name_prefix)').toBeUndefined();
      expect(tfRes(rds, 'aws_db_instance').parameter_group_name, 'TF instance uses the parameter group').toBe(
        '${aws_db_parameter_group.this.name}',
      );
      expect(props(s, s.ids.database).DBParameterGroupName, 'CDK instance uses the parameter group').toEqual({
        Ref: s.ids.databaseParameterGroup,
      });
    });

    it('sits in the private subnets', () => {
      const s = S();
      expect(moduleCall(modules, 'modules/rds')?.private_subnet_ids, 'root wiring of rds.private_subnet_ids').toBe(
        '${module.vpc.private_subnet_ids}',
      );
      expect(mod('modules/vpc').output.private_subnet_ids.value, 'vpc output private_subnet_ids').toBe('${aws_subnet.private[*].id}');
      const group = props(s, String(props(s, s.ids.database).DBSubnetGroupName.Ref));
      expect(
        asArray<Json>(group.SubnetIds)
          .map((x) => String(x.Ref))
          .sort(),
        'CDK DB subnet group subnets',
      ).toEqual([...s.ids.privateSubnets].sort());
    });
  });

  // ---------------------------------------------------------------- ECS

  describe('ECS service, cluster, task definition', () => {
    const ecs = 'modules/ecs';
    it('service: circuit breaker, grace period, min/max percent, capacity providers, network', () => {
      const s = S();
      const svc = tfRes(ecs, 'aws_ecs_service');
      const c = props(s, s.ids.service);
      const cb = svc.deployment_circuit_breaker[0];
      same('circuit breaker enable', cb.enable, c.DeploymentConfiguration.DeploymentCircuitBreaker.Enable, SPEC(true));
      same('circuit breaker rollback', cb.rollback, c.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback, SPEC(true));
      same('health check grace period', svc.health_check_grace_period_seconds, c.HealthCheckGracePeriodSeconds, SPEC(30));
      same(
        'deployment minimum healthy percent',
        svc.deployment_minimum_healthy_percent,
        c.DeploymentConfiguration.MinimumHealthyPercent,
        SPEC(100),
      );
      same('deployment maximum percent', svc.deployment_maximum_percent, c.DeploymentConfiguration.MaximumPercent, SPEC(200));
      same('service name', ev(s, ecs, svc.name), c.ServiceName, SPEC(`action-tracker-${env}`));
      same('desired count', ev(s, ecs, svc.desired_count), c.DesiredCount);
      same('launch type (none: a capacity provider strategy)', svc.launch_type, c.LaunchType);
      const dyn = asArray<Json>(svc.dynamic?.capacity_provider_strategy)[0]!;
      const tfStrategy = (ev(s, ecs, dyn.for_each) as Json[]).map((x) => `${x.capacity_provider} base ${x.base} weight ${x.weight}`);
      const cdkStrategy = asArray<Json>(c.CapacityProviderStrategy).map(
        (x) => `${x.CapacityProvider} base ${x.Base ?? 0} weight ${x.Weight ?? 0}`,
      );
      same(
        'capacity provider strategy',
        tfStrategy,
        cdkStrategy,
        SPEC(prod ? ['FARGATE base 0 weight 1'] : ['FARGATE base 1 weight 0', 'FARGATE_SPOT base 0 weight 1']),
      );
      expect(s.vars.use_fargate_spot, 'use_fargate_spot in the tfvars (SPEC)').toBe(!prod);
      same(
        'assign public IP',
        svc.network_configuration[0].assign_public_ip,
        c.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp === 'ENABLED',
        SPEC(false),
      );
      expect(
        asArray<Json>(c.NetworkConfiguration.AwsvpcConfiguration.Subnets)
          .map((x) => x.Ref)
          .sort(),
        'CDK service in the private subnets',
      ).toEqual([...s.ids.privateSubnets].sort());
      same('ECS managed tags', svc.enable_ecs_managed_tags, c.EnableECSManagedTags ?? false);
      same('propagate tags', svc.propagate_tags, c.PropagateTags);
    });

    it('cluster: container insights, FARGATE and FARGATE_SPOT registered, default strategy', () => {
      const s = S();
      const cl = tfRes(ecs, 'aws_ecs_cluster');
      const c = props(s, s.ids.cluster);
      same('cluster name', ev(s, ecs, cl.name), c.ClusterName, SPEC(`action-tracker-${env}`));
      same(
        'container insights',
        asArray<Json>(cl.setting).map((x) => `${x.name}=${x.value}`),
        asArray<Json>(c.ClusterSettings).map((x) => `${x.Name}=${x.Value}`),
        SPEC(['containerInsights=enabled']),
      );
      const cps = tfRes(ecs, 'aws_ecs_cluster_capacity_providers');
      const assoc = ofType(s.cdk, 'AWS::ECS::ClusterCapacityProviderAssociations');
      same('cluster capacity provider associations', 1, assoc.length);
      same('cluster capacity providers', cps.capacity_providers, assoc[0]![1].CapacityProviders, SPEC(['FARGATE', 'FARGATE_SPOT']));
      same(
        'cluster default capacity provider strategy',
        asArray<Json>(cps.default_capacity_provider_strategy).map(
          (x) => `${x.capacity_provider} base ${x.base ?? 0} weight ${x.weight ?? 0}`,
        ),
        asArray<Json>(assoc[0]![1].DefaultCapacityProviderStrategy).map(
          (x) => `${x.CapacityProvider} base ${x.Base ?? 0} weight ${x.Weight ?? 0}`,
        ),
      );
    });

    it('task definition: cpu/memory, stopTimeout, read-only root with the tmp volume, health check', () => {
      const s = S();
      const td = tfRes(ecs, 'aws_ecs_task_definition');
      const c = props(s, s.ids.taskDefinition);
      const tfC = tfContainer(s);
      const cdkC = c.ContainerDefinitions[0];
      same('task cpu', ev(s, ecs, td.cpu), Number(c.Cpu), SPEC(512));
      same('task memory', ev(s, ecs, td.memory), Number(c.Memory), SPEC(1024));
      same('task family', ev(s, ecs, td.family), c.Family, SPEC(`action-tracker-${env}`));
      same('network mode', td.network_mode, c.NetworkMode, SPEC('awsvpc'));
      same(
        'a replaced revision stays registered (TF skip_destroy ↔ CDK UpdateReplacePolicy Retain)',
        td.skip_destroy === true,
        s.cdk[s.ids.taskDefinition].UpdateReplacePolicy === 'Retain',
        SPEC(true),
      );
      same('requires compatibilities', td.requires_compatibilities, c.RequiresCompatibilities, SPEC(['FARGATE']));
      same('cpu architecture', ev(s, ecs, td.runtime_platform[0].cpu_architecture), c.RuntimePlatform.CpuArchitecture);
      same('stopTimeout', tfC.stopTimeout, cdkC.StopTimeout, SPEC(30));
      same('readonlyRootFilesystem', tfC.readonlyRootFilesystem, cdkC.ReadonlyRootFilesystem, SPEC(true));
      same('essential', tfC.essential, cdkC.Essential, SPEC(true));
      same(
        'volumes',
        asArray<Json>(td.volume).map((v) => v.name),
        asArray<Json>(c.Volumes).map((v) => v.Name),
        SPEC(['tmp']),
      );
      same(
        'mount points',
        asArray<Json>(tfC.mountPoints).map((m) => `${m.sourceVolume}:${m.containerPath}:${m.readOnly ? 'ro' : 'rw'}`),
        asArray<Json>(cdkC.MountPoints).map((m) => `${m.SourceVolume}:${m.ContainerPath}:${m.ReadOnly ? 'ro' : 'rw'}`),
        SPEC(['tmp:/tmp:rw']),
      );
      const hc = tfC.healthCheck;
      same('container health check command', hc.command, cdkC.HealthCheck.Command);
      expect(hc.command.join(' '), 'container health check fetches /health (SPEC)').toMatch(/^CMD node -e fetch\(.*\/health/);
      same(
        'container health check timings',
        { interval: hc.interval, timeout: hc.timeout, retries: hc.retries, startPeriod: hc.startPeriod },
        {
          interval: cdkC.HealthCheck.Interval,
          timeout: cdkC.HealthCheck.Timeout,
          retries: cdkC.HealthCheck.Retries,
          startPeriod: cdkC.HealthCheck.StartPeriod,
        },
        SPEC({ interval: 15, timeout: 5, retries: 3, startPeriod: 30 }),
      );
      same(
        'log configuration',
        tfC.logConfiguration,
        { logDriver: cdkC.LogConfiguration.LogDriver, options: cdkR(s, cdkC.LogConfiguration.Options) },
        SPEC({
          logDriver: 'awslogs',
          options: { 'awslogs-group': `/ecs/action-tracker-${env}`, 'awslogs-region': REGION, 'awslogs-stream-prefix': 'app' },
        }),
      );
      same('container secrets', tfC.secrets ?? [], cdkC.Secrets ?? [], SPEC([]));
      same('task role', ev(s, ecs, td.task_role_arn), cdkR(s, c.TaskRoleArn), SPEC('<task_role.arn>'));
      same('execution role', ev(s, ecs, td.execution_role_arn), cdkR(s, c.ExecutionRoleArn), SPEC('<execution_role.arn>'));
    });

    it('autoscaling: CPU target 60, requests per target 500, min/max capacity', () => {
      const s = S();
      const target = tfRes(ecs, 'aws_appautoscaling_target');
      const cdkTarget = ofType(s.cdk, 'AWS::ApplicationAutoScaling::ScalableTarget');
      same('scalable targets', 1, cdkTarget.length);
      same('autoscaling min capacity', ev(s, ecs, target.min_capacity), cdkTarget[0]![1].MinCapacity);
      same('autoscaling max capacity', ev(s, ecs, target.max_capacity), cdkTarget[0]![1].MaxCapacity);
      same('autoscaling dimension', target.scalable_dimension, cdkTarget[0]![1].ScalableDimension, SPEC('ecs:service:DesiredCount'));
      const policies = ofType(s.cdk, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(
        ([, p]) => p.TargetTrackingScalingPolicyConfiguration,
      );
      const cdkBy = (metric: string) =>
        policies.filter((p) => p.PredefinedMetricSpecification.PredefinedMetricType === metric).map((p) => p.TargetValue);
      const tfBy = (key: string) => {
        const cfg = tfRes(ecs, 'aws_appautoscaling_policy', key).target_tracking_scaling_policy_configuration[0];
        return { metric: cfg.predefined_metric_specification[0].predefined_metric_type, target: cfg.target_value };
      };
      const cpu = tfBy('cpu');
      same('CPU target tracking', [cpu.target], cdkBy(cpu.metric), SPEC([60]));
      const requests = tfBy('requests');
      same('requests-per-target tracking', [requests.target], cdkBy(requests.metric), SPEC([500]));
      expect([cpu.metric, requests.metric], 'tracked metrics (SPEC)').toEqual([
        'ECSServiceAverageCPUUtilization',
        'ALBRequestCountPerTarget',
      ]);
    });
  });

  // ---------------------------------------------------------------- container environment

  describe('container environment', () => {
    it('Terraform builds it from container-environment.json; the refs map has exactly the SPEC keys', () => {
      const ecs = mod('modules/ecs');
      expect(ecs.locals.settings, 'TF settings source').toBe('${jsondecode(file("${path.module}/container-environment.json")).settings}');
      expect(String(tfRes('modules/ecs', 'aws_ecs_task_definition').container_definitions), 'TF container definitions').toBe(
        '${jsonencode([local.app_container])}',
      );
      expect(ecs.locals.app_container.environment, 'TF container environment').toBe('${local.container_environment}');
      const keys = Object.keys(evalTf(modules, 'modules/ecs', '${local.refs}', S().vars) as Json).sort();
      expect(keys, 'TF local.refs keys (SPEC)').toEqual(
        [
          'database_url',
          'database_password_secret_arn',
          'evidence_bucket',
          'evidence_sse',
          'evidence_kms_key_arn',
          'alb_arn',
          'region',
          'oidc_user_claim',
          'oidc_groups_claim',
          'oidc_role_map',
          'oidc_default_role',
          'probe_interval_s',
        ].sort(),
      );
      expect(sorted(tableRefs()), 'every ref of the table is a key of local.refs').toEqual(
        sorted(tableRefs().filter((r) => keys.includes(r))),
      );
    });

    it('both tools set exactly the table, refs resolved to the same things', () => {
      const s = S();
      const tf = tfEnvironment(s);
      const cdk = cdkEnvironment(s);
      same('container environment names', Object.keys(tf).sort(), Object.keys(cdk).sort());
      for (const name of Object.keys(tf)) same(`container env ${name}`, tf[name], cdk[name]);
      expect(tf, 'container environment = the table, refs resolved (SPEC)').toEqual(fromTable(s, { kms: false }));
    });

    it('no probe schedule: the tasks run the rounds (PROBE_INTERVAL_S unset, the default 300 s), no probe rule or role', () => {
      const s = S();
      const ecs = 'modules/ecs';
      expect(s.vars.probe_schedule ?? null, 'probe_schedule in the tfvars (SPEC)').toBeNull();
      expect(defaultProps(env).probeSchedule, 'CDK defaultProps probeSchedule').toBeNull();
      same('probe rule count', tfCount(s, ecs, tfRes(ecs, 'aws_cloudwatch_event_rule', 'probe')), s.ids.probeRule ? 1 : 0, SPEC(0));
      same('probe events role count', tfCount(s, ecs, tfRes(ecs, 'aws_iam_role', 'probe_events')), s.ids.probeRole ? 1 : 0, SPEC(0));
      same('PROBE_INTERVAL_S', tfEnvironment(s).PROBE_INTERVAL_S, cdkEnvironment(s).PROBE_INTERVAL_S, SPEC(undefined));
      expect(loadConfig(asDeployed(tfEnvironment(s), 'Terraform')).PROBE_INTERVAL_S, 'the in-process interval').toBe(300);
    });

    it("the app's own parser (loadConfig) accepts the environment as deployed", () => {
      const s = S();
      for (const [tool, envVars] of [
        ['Terraform', tfEnvironment(s)],
        ['CDK', cdkEnvironment(s)],
      ] as const) {
        const deployed = asDeployed(envVars, tool);
        expect(
          Object.keys(deployed).filter((n) => !(n in SETTINGS)),
          `${tool}: container variables lib/config.ts does not know`,
        ).toEqual([]);
        let config: ReturnType<typeof loadConfig> | undefined;
        expect(() => (config = loadConfig(deployed)), `${tool}: loadConfig(task environment)`).not.toThrow();
        expect(config!.AUTH_MODE, `${tool}: AUTH_MODE`).toBe('alb-oidc');
        expect(config!.ALB_OIDC_SIGNER_ARN, `${tool}: ALB_OIDC_SIGNER_ARN`).toBe(DEPLOYED['alb.arn']);
        expect(config!.DATABASE_PASSWORD_SECRET_ARN, `${tool}: DATABASE_PASSWORD_SECRET_ARN`).toBe(DEPLOYED['database.master_secret_arn']);
        expect(String(config!.DATABASE_URL), `${tool}: DATABASE_URL has no password`).not.toMatch(/:\/\/[^/@]+:[^/@]+@/);
        expect(config!.PORT, `${tool}: PORT = the container port`).toBe(8080);
        expect(unsafeListenReason(config!), `${tool}: the server would refuse to start`).toBeUndefined();
        expect(config!.ALLOW_UNVERIFIED_HEADERS, `${tool}: ALLOW_UNVERIFIED_HEADERS`).toBe(false);
        expect(config!.ALB_IDLE_TIMEOUT_S, `${tool}: ALB_IDLE_TIMEOUT_S = the ALB idle timeout`).toBe(
          tfRes('modules/alb', 'aws_lb').idle_timeout,
        );
        expect(config!.SHUTDOWN_TIMEOUT_MS, `${tool}: SHUTDOWN_TIMEOUT_MS below the stopTimeout`).toBeLessThan(
          tfContainer(s).stopTimeout * 1000,
        );
        expect(config!.HEALTH_TIMEOUT_MS, `${tool}: HEALTH_TIMEOUT_MS below the health-check timeout`).toBeLessThan(
          tfRes('modules/alb', 'aws_lb_target_group').health_check[0].timeout * 1000,
        );
      }
    });

    it('no container secrets in either tool (the app reads the password itself)', () => {
      const s = S();
      same(
        'container secrets',
        tfContainer(s).secrets ?? [],
        props(s, s.ids.taskDefinition).ContainerDefinitions[0].Secrets ?? [],
        SPEC([]),
      );
      same(
        'DATABASE_PASSWORD_SECRET_ARN',
        tfEnvironment(s).DATABASE_PASSWORD_SECRET_ARN,
        cdkEnvironment(s).DATABASE_PASSWORD_SECRET_ARN,
        SPEC('<database.master_secret_arn>'),
      );
      same(
        'DATABASE_URL (plain, no password)',
        tfEnvironment(s).DATABASE_URL,
        cdkEnvironment(s).DATABASE_URL,
        SPEC('postgres://tracker@<database.address>:5432/tracker?sslmode=verify-full'),
      );
    });
  });

  // ---------------------------------------------------------------- logs and alarms

  describe('logs and alarms', () => {
    it(`log retention ${prod ? 90 : 30} days (SPEC); no KMS key unless given`, () => {
      const s = S();
      const lg = tfRes('modules/cloudwatch', 'aws_cloudwatch_log_group');
      const c = props(s, s.ids.logGroup);
      same('log group name', ev(s, 'modules/cloudwatch', lg.name), c.LogGroupName, SPEC(`/ecs/action-tracker-${env}`));
      same('log retention days', ev(s, 'modules/cloudwatch', lg.retention_in_days), c.RetentionInDays, SPEC(prod ? 90 : 30));
      same('log group KMS key', ev(s, 'modules/cloudwatch', lg.kms_key_id), c.KmsKeyId ?? null, SPEC(null));
      expect(s.cdk[s.ids.logGroup].DeletionPolicy, 'CDK log group on destroy (SPEC: prod keeps it)').toBe(prod ? 'Retain' : 'Delete');
    });

    it('alarms: names, metrics, thresholds, periods, missing data, alarm and OK actions → the topic', () => {
      const s = S();
      const cw = 'modules/cloudwatch';
      const tf = Object.values(mod(cw).resource.aws_cloudwatch_metric_alarm ?? {}).map((a: Json) => ({
        name: ev(s, cw, a.alarm_name),
        metric: `${a.namespace}/${a.metric_name}`,
        statistic: a.statistic,
        period: a.period,
        evaluationPeriods: a.evaluation_periods,
        threshold: a.threshold,
        comparison: a.comparison_operator,
        missing: a.treat_missing_data,
        alarmActions: ev(s, cw, a.alarm_actions),
        okActions: ev(s, cw, a.ok_actions),
        dimensions: Object.keys(a.dimensions ?? {}).sort(),
      }));
      const cdk = ofType(s.cdk, 'AWS::CloudWatch::Alarm').map(([, a]) => ({
        name: a.AlarmName,
        metric: `${a.Namespace}/${a.MetricName}`,
        statistic: a.Statistic,
        period: a.Period,
        evaluationPeriods: a.EvaluationPeriods,
        threshold: a.Threshold,
        comparison: a.ComparisonOperator,
        missing: a.TreatMissingData,
        alarmActions: cdkR(s, a.AlarmActions),
        okActions: cdkR(s, a.OKActions),
        dimensions: asArray<Json>(a.Dimensions)
          .map((d) => d.Name)
          .sort(),
      }));
      const byAlarm = (xs: Json[]) => Object.fromEntries(xs.map((x) => [x.name, x]));
      const t = byAlarm(tf);
      const c = byAlarm(cdk);
      for (const name of Object.keys(t)) if (c[name]) same(`alarm ${name}`, t[name], c[name]);
      same('alarm names', Object.keys(t).sort(), Object.keys(c).sort());
      for (const a of tf) {
        expect(a.alarmActions, `alarm ${a.name} alarm actions (SPEC)`).toEqual(['<alarm_topic.arn>']);
        expect(a.okActions, `alarm ${a.name} OK actions (SPEC)`).toEqual(['<alarm_topic.arn>']);
      }
      const fivexx = t[`action-tracker-${env}-alb-target-5xx`];
      expect(
        fivexx && { threshold: fivexx.threshold, period: fivexx.period, evaluationPeriods: fivexx.evaluationPeriods },
        '5xx alarm (SPEC)',
      ).toEqual({
        threshold: 10,
        period: 300,
        evaluationPeriods: 1,
      });
    });

    it('the SNS topic: name, policy (CloudWatch publish + TLS-only deny), e-mail subscriptions', () => {
      const s = S();
      const cw = 'modules/cloudwatch';
      same(
        'topic name',
        ev(s, cw, tfRes(cw, 'aws_sns_topic').name),
        props(s, s.ids.alarmTopic).TopicName,
        SPEC(`action-tracker-${env}-alarms`),
      );
      const cdkPolicy = ofType(s.cdk, 'AWS::SNS::TopicPolicy');
      same('topic policies', 1, cdkPolicy.length);
      const tf = tfStatements(s, cw, 'topic');
      samePolicy('topic policy', tf, cdkStatements(s, cdkPolicy[0]![1].PolicyDocument));
      expect(byName(tf).DenyInsecureTransport, 'topic TLS-only deny (SPEC)').toMatchObject({
        effect: 'Deny',
        actions: ['sns:Publish'],
        principals: ['AWS=*'],
        conditions: ['Bool aws:SecureTransport=false'],
      });
      expect(byName(tf).CloudWatchAlarmsPublish, 'CloudWatch may publish (SPEC)').toMatchObject({
        principals: ['Service=cloudwatch.amazonaws.com'],
        actions: ['sns:Publish'],
      });
      const emails = ev(s, cw, tfRes(cw, 'aws_sns_topic_subscription', 'email').for_each);
      same(
        'alarm e-mail subscriptions',
        sorted(emails),
        sorted(ofType(s.cdk, 'AWS::SNS::Subscription').map(([, x]) => x.Endpoint)),
        SPEC(sorted(asArray(s.vars.alarm_emails))),
      );
    });
  });

  // ---------------------------------------------------------------- buckets

  describe('evidence and log buckets', () => {
    it('evidence bucket: name, SSE, versioning, ownership, public access block, lifecycle', () => {
      const s = S();
      evidenceBucketBasics(s, env);
    });

    it('evidence bucket: TLS-only policy', () => {
      const s = S();
      const tf = tfStatements(s, 'modules/s3', 'this');
      samePolicy('evidence bucket policy', tf, cdkStatements(s, props(s, s.ids.evidenceBucketPolicy).PolicyDocument));
      expect(
        tf.map((x) => ({ ...x, sid: '' })),
        'evidence bucket policy (SPEC)',
      ).toEqual([
        {
          sid: '',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [`arn:aws:s3:::action-tracker-${env}-evidence-${ACCOUNT}`, `arn:aws:s3:::action-tracker-${env}-evidence-${ACCOUNT}/*`],
          principals: ['AWS=*'],
          conditions: ['Bool aws:SecureTransport=false'],
        },
      ]);
    });

    it('evidence bucket: access logs to the log bucket at s3/evidence/, CORS for the page', () => {
      const s = S();
      const s3 = 'modules/s3';
      const logging = tfRes(s3, 'aws_s3_bucket_logging');
      const c = props(s, s.ids.evidenceBucket);
      same('evidence access logging', tfCount(s, s3, logging) === 1, c.LoggingConfiguration !== undefined, SPEC(true));
      same(
        'evidence access logs target bucket',
        ev(s, s3, logging.target_bucket),
        cdkR(s, c.LoggingConfiguration.DestinationBucketName),
        SPEC(`action-tracker-${env}-logs-${ACCOUNT}`),
      );
      same('evidence access logs prefix', ev(s, s3, logging.target_prefix), c.LoggingConfiguration.LogFilePrefix, SPEC('s3/evidence/'));
      const cors = tfRes(s3, 'aws_s3_bucket_cors_configuration');
      same('evidence CORS configured', tfCount(s, s3, cors) === 1, c.CorsConfiguration !== undefined, SPEC(true));
      const rule = cors.cors_rule[0];
      const cdkRule = c.CorsConfiguration.CorsRules[0];
      same(
        'evidence CORS rule',
        {
          methods: rule.allowed_methods,
          origins: ev(s, s3, rule.allowed_origins),
          headers: rule.allowed_headers,
          expose: rule.expose_headers,
          maxAge: rule.max_age_seconds,
        },
        {
          methods: cdkRule.AllowedMethods,
          origins: cdkRule.AllowedOrigins,
          headers: cdkRule.AllowedHeaders,
          expose: cdkRule.ExposedHeaders,
          maxAge: cdkRule.MaxAge,
        },
        SPEC({ methods: ['PUT', 'POST', 'GET', 'HEAD'], origins: s.vars.app_origins, headers: ['*'], expose: ['ETag'], maxAge: 3000 }),
      );
    });

    it(`removal: ${prod ? 'prod never destroys' : 'dev deletes an empty bucket, never its objects'} (force_destroy off)`, () => {
      const s = S();
      removal(s, env);
    });

    it('log bucket: name, SSE-S3, ownership, public access block, lifecycle, policy', () => {
      const s = S();
      const logs = 'modules/logs';
      const c = props(s, s.ids.logBucket);
      same(
        'log bucket name',
        ev(s, logs, tfRes(logs, 'aws_s3_bucket').bucket),
        c.BucketName,
        SPEC(`action-tracker-${env}-logs-${ACCOUNT}`),
      );
      same(
        'log bucket SSE',
        tfRes(logs, 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default[0].sse_algorithm,
        c.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
        SPEC('AES256'),
      );
      same(
        'log bucket ownership',
        tfRes(logs, 'aws_s3_bucket_ownership_controls').rule[0].object_ownership,
        c.OwnershipControls.Rules[0].ObjectOwnership,
        SPEC('BucketOwnerEnforced'),
      );
      samePab('log bucket', tfRes(logs, 'aws_s3_bucket_public_access_block'), c.PublicAccessBlockConfiguration);
      same(
        'log bucket versioning (off)',
        mod(logs).resource.aws_s3_bucket_versioning === undefined,
        c.VersioningConfiguration === undefined,
        SPEC(true),
      );
      const tfLc = asArray<Json>(tfRes(logs, 'aws_s3_bucket_lifecycle_configuration').rule).map((r) => ({
        id: r.id,
        status: r.status,
        expire: r.expiration ? ev(s, logs, r.expiration[0].days) : undefined,
        abort: r.abort_incomplete_multipart_upload?.[0].days_after_initiation,
      }));
      const cdkLc = asArray<Json>(c.LifecycleConfiguration.Rules).map((r) => ({
        id: r.Id,
        status: r.Status,
        expire: r.ExpirationInDays,
        abort: r.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
      }));
      same('log bucket lifecycle', tfLc, cdkLc);
      expect(tfLc.find((r) => r.expire !== undefined)?.expire, 'log bucket expiry days (SPEC)').toBe(90);
      const tf = tfStatements(s, logs, 'this');
      samePolicy('log bucket policy', tf, cdkStatements(s, props(s, s.ids.logBucketPolicy).PolicyDocument));
    });
  });

  // ---------------------------------------------------------------- IAM

  describe('IAM roles of the stack', () => {
    it('execution role: the AWS managed policy only, no inline secret read', () => {
      const s = S();
      const iam = 'modules/iam';
      const c = props(s, s.ids.executionRole);
      same(
        'execution role name',
        ev(s, iam, tfRes(iam, 'aws_iam_role', 'execution').name),
        c.RoleName,
        SPEC(`action-tracker-${env}-execution`),
      );
      const attached = Object.values(mod(iam).resource.aws_iam_role_policy_attachment ?? {})
        .filter((a: Json) => String(a.role).includes('aws_iam_role.execution.'))
        .map((a: Json) => ev(s, iam, a.policy_arn));
      same(
        'execution role managed policies',
        attached,
        cdkR(s, c.ManagedPolicyArns),
        SPEC(['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy']),
      );
      const inline = Object.values(mod(iam).resource.aws_iam_role_policy ?? {}).filter((p: Json) =>
        String(p.role).includes('aws_iam_role.execution.'),
      );
      const cdkInline = [
        ...asArray(c.Policies),
        ...ofType(s.cdk, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Roles ?? []).includes(s.ids.executionRole)),
      ];
      same('execution role inline policies', inline.length, cdkInline.length, SPEC(0));
    });

    it('task role: evidence objects, ListBucket, GetSecretValue on the master secret', () => {
      const s = S();
      const iam = 'modules/iam';
      const c = props(s, s.ids.taskRole);
      same('task role name', ev(s, iam, tfRes(iam, 'aws_iam_role', 'task').name), c.RoleName, SPEC(`action-tracker-${env}-task`));
      const policy = tfRes(iam, 'aws_iam_role_policy', 'task');
      same('task role policy name', policy.name, asArray<Json>(c.Policies).map((p) => p.PolicyName)[0], SPEC('evidence-and-database'));
      expect(policy.policy, 'TF task role policy').toBe('${data.aws_iam_policy_document.task.json}');
      same(
        'task role managed policies',
        Object.values(mod(iam).resource.aws_iam_role_policy_attachment ?? {}).filter((a: Json) =>
          String(a.role).includes('aws_iam_role.task.'),
        ).length,
        asArray(c.ManagedPolicyArns).length,
        SPEC(0),
      );
      expect(
        ofType(s.cdk, 'AWS::IAM::Policy')
          .filter(([, p]) => JSON.stringify(p.Roles ?? []).includes(s.ids.taskRole))
          .map(([id]) => id),
        'CDK extra policies on the task role',
      ).toEqual([]);
      const tf = tfStatements(s, iam, 'task');
      samePolicy('task role policy', tf, cdkStatements(s, asArray<Json>(c.Policies)[0]?.PolicyDocument));
      const bucket = `arn:aws:s3:::action-tracker-${env}-evidence-${ACCOUNT}`;
      expect(
        tf.map((x) => `${x.sid}: ${x.actions.join(',')} on ${x.resources.join(',')}`),
        'task role statements (SPEC)',
      ).toEqual([
        `EvidenceObjects: s3:AbortMultipartUpload,s3:DeleteObject,s3:GetObject,s3:PutObject on ${bucket}/*`,
        `EvidenceBucketList: s3:ListBucket on ${bucket}`,
        'ReadTheDatabasePassword: secretsmanager:GetSecretValue on <database.master_secret_arn>',
      ]);
    });

    it('the ecs-tasks trust: aws:SourceAccount, for both roles', () => {
      const s = S();
      const tf = tfStatements(s, 'modules/iam', 'ecs_tasks_assume');
      for (const role of ['execution', 'task'] as const) {
        expect(tfRes('modules/iam', 'aws_iam_role', role).assume_role_policy, `TF ${role} role trust`).toBe(
          '${data.aws_iam_policy_document.ecs_tasks_assume.json}',
        );
        const cdk = cdkStatements(s, props(s, role === 'task' ? s.ids.taskRole : s.ids.executionRole).AssumeRolePolicyDocument);
        same(
          `${role} role trust`,
          tf.map((x) => ({ ...x, sid: '' })),
          cdk.map((x) => ({ ...x, sid: '' })),
        );
      }
      expect(
        tf.map((x) => ({ ...x, sid: '' })),
        'ecs-tasks trust (SPEC)',
      ).toEqual([
        {
          sid: '',
          effect: 'Allow',
          actions: ['sts:AssumeRole'],
          resources: [],
          principals: ['Service=ecs-tasks.amazonaws.com'],
          conditions: [`StringEquals aws:SourceAccount=${ACCOUNT}`],
        },
      ]);
    });

    it("every role carries the environment's permissions boundary", () => {
      const s = S();
      const boundary = `arn:aws:iam::${ACCOUNT}:policy/action-tracker-${env}-boundary`;
      expect(s.vars.permissions_boundary_arn, 'permissions_boundary_arn in the tfvars (SPEC)').toBe(boundary);
      expect(defaultProps(env).permissionsBoundaryArn, 'CDK defaultProps permissionsBoundaryArn').toBe(boundary);
      const tfRoles = modules.flatMap((m) =>
        Object.entries(m.resource.aws_iam_role ?? {})
          .filter(() => m.name !== 'bootstrap')
          .filter(([, r]) => tfCount(s, m.name, r as Json) > 0)
          .map(([k, r]) => [`${m.name}: aws_iam_role.${k}`, ev(s, m.name, (r as Json).permissions_boundary)] as const),
      );
      for (const [where, value] of tfRoles) expect(value, `TF ${where} permissions_boundary`).toBe(boundary);
      for (const [id, r] of ofType(s.cdk, 'AWS::IAM::Role'))
        expect(cdkR(s, r.PermissionsBoundary), `CDK ${id} PermissionsBoundary`).toBe(boundary);
      same(
        'env-stack role names',
        sorted(
          tfRoles
            .map(([where]) => where)
            .map((w) => ev(s, w.split(':')[0]!, tfRes(w.split(':')[0]!, 'aws_iam_role', w.split('.').pop()!).name)),
        ),
        sorted(
          ofType(s.cdk, 'AWS::IAM::Role')
            .map(([, r]) => r.RoleName)
            .filter(Boolean),
        ),
      );
    });
  });

  // ---------------------------------------------------------------- reconcile schedule

  describe('evidence reconcile schedule', () => {
    it('rule name, schedule, target, command override, events role', () => {
      const s = S();
      const ecs = 'modules/ecs';
      const rule = tfRes(ecs, 'aws_cloudwatch_event_rule', 'reconcile');
      const c = props(s, s.ids.reconcileRule);
      same('reconcile rule count', tfCount(s, ecs, rule), ofType(s.cdk, 'AWS::Events::Rule').length, SPEC(1));
      same('reconcile rule name', ev(s, ecs, rule.name), c.Name, SPEC(`action-tracker-${env}-evidence-reconcile`));
      same('reconcile schedule', ev(s, ecs, rule.schedule_expression), c.ScheduleExpression, SPEC('rate(1 day)'));
      const target = tfRes(ecs, 'aws_cloudwatch_event_target', 'reconcile');
      const ct = c.Targets[0];
      const et = target.ecs_target[0];
      same('reconcile target id', target.target_id, ct.Id);
      same('reconcile target (cluster)', ev(s, ecs, target.arn), cdkR(s, ct.Arn), SPEC('<cluster.arn>'));
      same(
        'reconcile target task definition',
        ev(s, ecs, et.task_definition_arn),
        cdkR(s, ct.EcsParameters.TaskDefinitionArn),
        SPEC('<task_definition.arn>'),
      );
      same('reconcile launch type', et.launch_type, ct.EcsParameters.LaunchType, SPEC('FARGATE'));
      same('reconcile task count', et.task_count, ct.EcsParameters.TaskCount, SPEC(1));
      same(
        'reconcile assign public IP',
        et.network_configuration[0].assign_public_ip,
        ct.EcsParameters.NetworkConfiguration.AwsVpcConfiguration.AssignPublicIp === 'ENABLED',
        SPEC(false),
      );
      same(
        'reconcile input (command override)',
        JSON.parse(String(ev(s, ecs, target.input))),
        JSON.parse(ct.Input),
        SPEC({ containerOverrides: [{ name: 'app', command: ['node', 'dist/evidence-reconcile.mjs'] }] }),
      );
      same(
        'reconcile events role',
        ev(s, ecs, target.role_arn),
        cdkR(s, ct.RoleArn),
        SPEC(`arn:aws:iam::${ACCOUNT}:role/action-tracker-${env}-reconcile-events`),
      );
      const role = props(s, s.ids.reconcileRole);
      samePolicy(
        'reconcile events role trust',
        tfStatements(s, ecs, 'reconcile_events_assume'),
        cdkStatements(s, role.AssumeRolePolicyDocument),
      );
      const tfPolicy = tfStatements(s, ecs, 'reconcile_events');
      samePolicy('reconcile events role policy', tfPolicy, cdkStatements(s, asArray<Json>(role.Policies)[0]?.PolicyDocument));
      same(
        'reconcile events policy name',
        tfRes(ecs, 'aws_iam_role_policy', 'reconcile_events').name,
        asArray<Json>(role.Policies)[0]?.PolicyName,
        SPEC('run-reconcile-task'),
      );
      expect(byName(tfPolicy).PassTheTaskRoles?.resources, 'reconcile PassRole: the two task roles only (SPEC)').toEqual([
        '<execution_role.arn>',
        '<task_role.arn>',
      ]);
      expect(byName(tfPolicy).RunTheReconcileTask?.conditions, 'reconcile RunTask only on this cluster (SPEC)').toEqual([
        'ArnEquals ecs:cluster=<cluster.arn>',
      ]);
    });
  });
});

// ================================================================= KMS and force destroy (dev with a key)

describe('dev with evidence_kms_key_arn, log_kms_key_arn and evidence_force_destroy: CDK vs Terraform', () => {
  const S = () => sides.kms;

  it('evidence SSE aws:kms with the key and bucket keys', () => {
    evidenceBucketBasics(S(), 'dev');
    const s = S();
    const c = props(s, s.ids.evidenceBucket).BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(c.ServerSideEncryptionByDefault, 'CDK SSE with the key (SPEC)').toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: EVIDENCE_KEY,
    });
  });

  it('the task role may use the key; EVIDENCE_SSE aws:kms and EVIDENCE_KMS_KEY_ID in both', () => {
    const s = S();
    const tf = tfStatements(s, 'modules/iam', 'task');
    samePolicy('task role policy (KMS)', tf, cdkStatements(s, asArray<Json>(props(s, s.ids.taskRole).Policies)[0]?.PolicyDocument));
    expect(byName(tf).EvidenceKey, 'task role KMS grant (SPEC)').toMatchObject({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [EVIDENCE_KEY],
    });
    const tfEnv = tfEnvironment(s);
    const cdkEnv = cdkEnvironment(s);
    same('container env names (KMS)', Object.keys(tfEnv).sort(), Object.keys(cdkEnv).sort());
    same('EVIDENCE_SSE (KMS)', tfEnv.EVIDENCE_SSE, cdkEnv.EVIDENCE_SSE, SPEC('aws:kms'));
    same('EVIDENCE_KMS_KEY_ID (KMS)', tfEnv.EVIDENCE_KMS_KEY_ID, cdkEnv.EVIDENCE_KMS_KEY_ID, SPEC(EVIDENCE_KEY));
    expect(tfEnv, 'container environment = the table with the key (SPEC)').toEqual(fromTable(s, { kms: true }));
    expect(() => loadConfig(asDeployed(tfEnv, 'Terraform')), 'loadConfig accepts the KMS environment').not.toThrow();
  });

  it('the log group uses log_kms_key_arn', () => {
    const s = S();
    same(
      'log group KMS key',
      ev(s, 'modules/cloudwatch', tfRes('modules/cloudwatch', 'aws_cloudwatch_log_group').kms_key_id),
      props(s, s.ids.logGroup).KmsKeyId,
      SPEC(LOG_KEY),
    );
    same(
      'WAF log group KMS key',
      ev(s, 'modules/alb', tfRes('modules/alb', 'aws_cloudwatch_log_group', 'waf').kms_key_id),
      props(s, s.ids.wafLogGroup).KmsKeyId,
      SPEC(LOG_KEY),
    );
  });

  it('force destroy: both buckets may be emptied on destroy', () => {
    removal(S(), 'dev');
  });
});

// ================================================================= probe rounds on a schedule (dev with probe_schedule)

describe('dev with probe_schedule: CDK vs Terraform', () => {
  const S = () => sides.probe;
  const ecs = 'modules/ecs';

  it('rule name, schedule, target, command override, network of the service', () => {
    const s = S();
    const rule = tfRes(ecs, 'aws_cloudwatch_event_rule', 'probe');
    const c = props(s, s.ids.probeRule);
    same('probe rule count', tfCount(s, ecs, rule), s.ids.probeRule ? 1 : 0, SPEC(1));
    same(
      'schedules (reconcile and probe)',
      tfCount(s, ecs, tfRes(ecs, 'aws_cloudwatch_event_rule', 'reconcile')) + tfCount(s, ecs, rule),
      ofType(s.cdk, 'AWS::Events::Rule').length,
      SPEC(2),
    );
    same('probe rule name', ev(s, ecs, rule.name), c.Name, SPEC('action-tracker-dev-probe-round'));
    same('probe rule description', ev(s, ecs, rule.description), c.Description, SPEC('Runs one probe round of action-tracker-dev'));
    same('probe schedule', ev(s, ecs, rule.schedule_expression), c.ScheduleExpression, SPEC(PROBE_SCHEDULE));
    // The provider's default state is ENABLED (the rule sets none).
    same('probe rule state', rule.state ?? 'ENABLED', c.State, SPEC('ENABLED'));

    const target = tfRes(ecs, 'aws_cloudwatch_event_target', 'probe');
    same('probe targets', asArray(target).length, asArray<Json>(c.Targets).length, SPEC(1));
    const ct = asArray<Json>(c.Targets)[0]!;
    const et = target.ecs_target[0];
    same('probe target id', target.target_id, ct.Id, SPEC('probe-round'));
    same('probe target (cluster)', ev(s, ecs, target.arn), cdkR(s, ct.Arn), SPEC('<cluster.arn>'));
    same(
      'probe target task definition',
      ev(s, ecs, et.task_definition_arn),
      cdkR(s, ct.EcsParameters.TaskDefinitionArn),
      SPEC('<task_definition.arn>'),
    );
    same('probe launch type', et.launch_type, ct.EcsParameters.LaunchType, SPEC('FARGATE'));
    same('probe platform version', et.platform_version, ct.EcsParameters.PlatformVersion, SPEC('LATEST'));
    same('probe task count', et.task_count, ct.EcsParameters.TaskCount, SPEC(1));
    same(
      'probe input (command override)',
      JSON.parse(String(ev(s, ecs, target.input))),
      JSON.parse(String(cdkR(s, ct.Input))),
      SPEC({ containerOverrides: [{ name: 'app', command: ['node', 'dist/probe-round.mjs'] }] }),
    );
    same(
      'probe events role',
      ev(s, ecs, target.role_arn),
      cdkR(s, ct.RoleArn),
      SPEC(`arn:aws:iam::${ACCOUNT}:role/action-tracker-dev-probe-events`),
    );

    // The round reaches the hosts and the database as the service does: its subnets and its group.
    const tfNet = et.network_configuration[0];
    const tfSvcNet = tfRes(ecs, 'aws_ecs_service').network_configuration[0];
    const cdkNet = ct.EcsParameters.NetworkConfiguration.AwsVpcConfiguration;
    const cdkSvcNet = props(s, s.ids.service).NetworkConfiguration.AwsvpcConfiguration;
    same('probe assign public IP', tfNet.assign_public_ip, cdkNet.AssignPublicIp === 'ENABLED', SPEC(false));
    same(
      "probe task subnets = the service's",
      JSON.stringify(tfNet.subnets) === JSON.stringify(tfSvcNet.subnets),
      JSON.stringify(sorted(asArray(cdkNet.Subnets))) === JSON.stringify(sorted(asArray(cdkSvcNet.Subnets))),
      SPEC(true),
    );
    same(
      "probe task security groups = the service's",
      JSON.stringify(tfNet.security_groups) === JSON.stringify(tfSvcNet.security_groups),
      JSON.stringify(cdkNet.SecurityGroups) === JSON.stringify(cdkSvcNet.SecurityGroups),
      SPEC(true),
    );
    expect(
      asArray<Json>(cdkNet.Subnets)
        .map((x) => x.Ref)
        .sort(),
      'CDK probe task in the private subnets',
    ).toEqual([...s.ids.privateSubnets].sort());
    expect(
      asArray<Json>(cdkNet.SecurityGroups).map((x) => x['Fn::GetAtt']?.[0]),
      'CDK probe task in the app security group',
    ).toEqual([s.ids.appSecurityGroup]);
  });

  it('the events role: trusted by EventBridge of this account, may run this family on this cluster and pass the two task roles only', () => {
    const s = S();
    const role = props(s, s.ids.probeRole);
    const tfRole = tfRes(ecs, 'aws_iam_role', 'probe_events');
    same('probe events role name', ev(s, ecs, tfRole.name), role.RoleName, SPEC('action-tracker-dev-probe-events'));
    same(
      'probe events role boundary',
      ev(s, ecs, tfRole.permissions_boundary),
      cdkR(s, role.PermissionsBoundary),
      SPEC(`arn:aws:iam::${ACCOUNT}:policy/action-tracker-dev-boundary`),
    );
    const tfTrust = tfStatements(s, ecs, 'probe_events_assume');
    samePolicy('probe events role trust', tfTrust, cdkStatements(s, role.AssumeRolePolicyDocument));
    expect(
      tfTrust.map((st) => ({ actions: st.actions, principals: st.principals, conditions: st.conditions })),
      'probe events role trust (SPEC)',
    ).toEqual([
      {
        actions: ['sts:AssumeRole'],
        principals: ['Service=events.amazonaws.com'],
        conditions: [`StringEquals aws:SourceAccount=${ACCOUNT}`],
      },
    ]);
    const tfPolicy = tfStatements(s, ecs, 'probe_events');
    same('probe events inline policies', 1, asArray<Json>(role.Policies).length);
    samePolicy('probe events role policy', tfPolicy, cdkStatements(s, asArray<Json>(role.Policies)[0]?.PolicyDocument));
    same(
      'probe events policy name',
      tfRes(ecs, 'aws_iam_role_policy', 'probe_events').name,
      asArray<Json>(role.Policies)[0]?.PolicyName,
      SPEC('run-probe-round-task'),
    );
    // targets.EcsTask adds its own grants to a role it may change; the CDK gives it none to change.
    expect(
      ofType(s.cdk, 'AWS::IAM::Policy').filter(([, p]) => asArray<Json>(p.Roles).some((r) => r.Ref === s.ids.probeRole)),
      'CDK: no other policy attached to the probe events role',
    ).toEqual([]);
    expect(
      tfPolicy.map((st) => st.sid),
      'probe events role: two statements (SPEC)',
    ).toEqual(['RunTheProbeRoundTask', 'PassTheTaskRoles']);
    expect(byName(tfPolicy).RunTheProbeRoundTask, 'probe RunTask: this family, this cluster (SPEC)').toEqual({
      sid: 'RunTheProbeRoundTask',
      effect: 'Allow',
      actions: ['ecs:RunTask'],
      resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/action-tracker-dev:*`],
      principals: [],
      conditions: ['ArnEquals ecs:cluster=<cluster.arn>'],
    });
    expect(byName(tfPolicy).PassTheTaskRoles, 'probe PassRole: the two task roles, to ECS tasks only (SPEC)').toEqual({
      sid: 'PassTheTaskRoles',
      effect: 'Allow',
      actions: ['iam:PassRole'],
      resources: ['<execution_role.arn>', '<task_role.arn>'],
      principals: [],
      conditions: ['StringEquals iam:PassedToService=ecs-tasks.amazonaws.com'],
    });
  });

  it('PROBE_INTERVAL_S=0 in both task definitions (no in-process rounds); the rest is the table', () => {
    const s = S();
    const tfEnv = tfEnvironment(s);
    const cdkEnv = cdkEnvironment(s);
    same('container env names (probe schedule)', Object.keys(tfEnv).sort(), Object.keys(cdkEnv).sort());
    same('PROBE_INTERVAL_S (probe schedule)', tfEnv.PROBE_INTERVAL_S, cdkEnv.PROBE_INTERVAL_S, SPEC('0'));
    expect(tfEnv, 'container environment = the table with PROBE_INTERVAL_S=0 (SPEC)').toEqual(fromTable(s, { kms: false, probe: true }));
    for (const [tool, envVars] of [
      ['Terraform', tfEnv],
      ['CDK', cdkEnv],
    ] as const) {
      expect(loadConfig(asDeployed(envVars, tool)).PROBE_INTERVAL_S, `${tool}: loadConfig PROBE_INTERVAL_S`).toBe(0);
    }
  });

  it('each schedule runs a script the build bundles into dist/ (the image copies dist/ only); TF and CDK name the same commands', () => {
    const s = S();
    same('reconcile command', ev(s, ecs, '${local.reconcile_command}'), [...RECONCILE_COMMAND]);
    same('probe round command', ev(s, ecs, '${local.probe_command}'), [...PROBE_ROUND_COMMAND], SPEC(['node', 'dist/probe-round.mjs']));
    const build = readFileSync(join(process.cwd(), 'scripts', 'build.mjs'), 'utf8');
    const entries = /entryPoints:\s*\{([^}]*)\}/.exec(build)?.[1] ?? '';
    const bundled = [...entries.matchAll(/'?([\w-]+)'?\s*:\s*'bin\/[\w-]+\.ts'/g)].map((m) => `dist/${m[1]}.mjs`);
    expect(bundled, 'scripts/build.mjs process entry points').toContain('dist/server.mjs');
    for (const command of [RECONCILE_COMMAND, PROBE_ROUND_COMMAND]) {
      expect(bundled, `${command.join(' ')}: its script is a process entry point of scripts/build.mjs`).toContain(command[1]);
    }
  });
});

// ================================================================= bootstrap

describe('bootstrap: CDK buildBootstrapStack vs terraform/bootstrap', () => {
  const B = (): Side => ({ vars: bootstrapVars, cdk: bootstrapCdk, ids: undefined as unknown as LogicalIds });
  const bs = 'bootstrap';
  const role = (name: string): Json => {
    const found = ofType(bootstrapCdk, 'AWS::IAM::Role').find(([, r]) => r.RoleName === name);
    if (!found) throw new Error(`CDK bootstrap has no role ${name}`);
    return found[1];
  };
  const boundary = (name: string): Json => {
    const found = ofType(bootstrapCdk, 'AWS::IAM::ManagedPolicy').find(([, p]) => p.ManagedPolicyName === name);
    if (!found) throw new Error(`CDK bootstrap has no managed policy ${name}`);
    return found[1];
  };
  const inline = (r: Json) => asArray<Json>(r.Policies);
  const repo = () => String(bootstrapVars.github_repository);

  it('the GitHub OIDC provider: url, client ids, thumbprints', () => {
    const s = B();
    const p = tfRes(bs, 'aws_iam_openid_connect_provider', 'github');
    const c = ofType(bootstrapCdk, 'AWS::IAM::OIDCProvider');
    same('OIDC providers', tfCount(s, bs, p), c.length, SPEC(1));
    same('OIDC provider url', ev(s, bs, p.url), c[0]![1].Url, SPEC('https://token.actions.githubusercontent.com'));
    same('OIDC provider client ids', p.client_id_list, c[0]![1].ClientIdList, SPEC(['sts.amazonaws.com']));
    same('OIDC provider thumbprints', p.thumbprint_list, c[0]![1].ThumbprintList);
  });

  const roles = () => [
    {
      what: 'image publish',
      tfRole: 'publish',
      trust: 'publish_trust',
      policy: 'publish',
      each: undefined,
      name: 'action-tracker-image-publish',
      subject: 'image',
    },
    ...ENVS.map((env) => ({
      what: `${env} terraform`,
      tfRole: 'terraform',
      trust: 'terraform_trust',
      policy: 'terraform',
      each: env,
      name: `action-tracker-${env}-terraform`,
      subject: env,
    })),
    {
      what: 'prod plan',
      tfRole: 'plan',
      trust: 'plan_trust',
      policy: 'plan',
      each: undefined,
      name: 'action-tracker-prod-plan',
      subject: 'prod-plan',
    },
  ];

  it.each(roles().map((r) => [r.what, r] as const))(
    '%s role: name, trust (sub exactly repo:<repo>:environment:<env>, aud), session',
    (_, r) => {
      const s = B();
      const tfRole = tfRes(bs, 'aws_iam_role', r.tfRole);
      const bindings = r.each ? { each: { key: r.each, value: r.each } } : {};
      const c = role(r.name);
      same(`${r.what} role name`, ev(s, bs, tfRole.name, bindings), c.RoleName, SPEC(r.name));
      same(`${r.what} max session duration`, ev(s, bs, tfRole.max_session_duration, bindings), c.MaxSessionDuration, SPEC(3600));
      const tf = tfStatements(s, bs, r.trust, r.each);
      const strip = (xs: Statement[]) => xs.map((x) => ({ ...x, sid: '' }));
      same(`${r.what} trust`, strip(tf), strip(cdkStatements(s, c.AssumeRolePolicyDocument)));
      expect(strip(tf), `${r.what} trust (SPEC)`).toEqual([
        {
          sid: '',
          effect: 'Allow',
          actions: ['sts:AssumeRoleWithWebIdentity'],
          resources: [],
          principals: ['Federated=<github_oidc_provider.arn>'],
          conditions: [
            'StringEquals token.actions.githubusercontent.com:aud=sts.amazonaws.com',
            `StringEquals token.actions.githubusercontent.com:sub=repo:${repo()}:environment:${r.subject}`,
          ],
        },
      ]);
    },
  );

  it.each(roles().map((r) => [r.what, r] as const))('%s role: its policy, statement by statement; PassRole never on *', (_, r) => {
    const s = B();
    const c = role(r.name);
    const tf = tfStatements(s, bs, r.policy, r.each);
    const tfPolicyRes = tfRes(bs, 'aws_iam_role_policy', r.tfRole);
    const bindings = r.each ? { each: { key: r.each, value: r.each } } : {};
    same(`${r.what} policy name`, ev(s, bs, tfPolicyRes.name, bindings), inline(c)[0]?.PolicyName);
    same(`${r.what} inline policies`, 1, inline(c).length);
    same(`${r.what} managed policies`, 0, asArray(c.ManagedPolicyArns).length);
    samePolicy(`${r.what} policy`, tf, cdkStatements(s, inline(c)[0]?.PolicyDocument));
    for (const st of tf.filter((x) => x.effect === 'Allow' && x.actions.some((a) => a === 'iam:PassRole' || a === 'iam:*'))) {
      expect(st.resources, `${r.what} ${st.sid}: PassRole resources (SPEC: never *)`).not.toContain('*');
    }
    const state = (x: Statement) => x.resources.filter((res) => res.startsWith(`arn:aws:s3:::action-tracker-tfstate-${ACCOUNT}/`));
    if (r.each) {
      for (const st of tf) {
        for (const res of state(st))
          expect(res, `${r.what} ${st.sid}: state objects of ${r.each} only (SPEC)`).toMatch(
            new RegExp(`^arn:aws:s3:::action-tracker-tfstate-${ACCOUNT}/action-tracker/${r.each}/`),
          );
      }
      expect(byName(tf).RolesOnlyWithTheBoundary?.conditions, `${r.what}: roles only with the boundary (SPEC)`).toEqual([
        `StringEquals iam:PermissionsBoundary=arn:aws:iam::${ACCOUNT}:policy/action-tracker-${r.each}-boundary`,
      ]);
    }
    if (r.tfRole === 'publish') {
      expect(
        tf.flatMap((x) => x.actions).every((a) => a.startsWith('ecr:')),
        'image publish: ECR only (SPEC)',
      ).toBe(true);
    }
  });

  it.each(ENVS)('the %s permissions boundary: name and statements', (env) => {
    const s = B();
    const c = boundary(`action-tracker-${env}-boundary`);
    const tfPolicy = tfRes(bs, 'aws_iam_policy', 'boundary');
    same(
      `${env} boundary name`,
      ev(s, bs, tfPolicy.name, { each: { key: env, value: env } }),
      c.ManagedPolicyName,
      SPEC(`action-tracker-${env}-boundary`),
    );
    const tf = tfStatements(s, bs, 'boundary', env);
    samePolicy(`${env} boundary`, tf, cdkStatements(s, c.PolicyDocument));
    for (const st of tf.filter((x) => x.actions.includes('iam:PassRole')))
      expect(st.resources, `${env} boundary ${st.sid}: PassRole resources (SPEC: never *)`).not.toContain('*');
  });

  it('the state bucket: name, SSE, versioning, public access block, ownership, TLS-only policy, retained', () => {
    const s = B();
    const bucket = tfRes(bs, 'aws_s3_bucket');
    const c = ofType(bootstrapCdk, 'AWS::S3::Bucket');
    same('state buckets', 1, c.length);
    const p = c[0]![1];
    same('state bucket name', ev(s, bs, bucket.bucket), p.BucketName, SPEC(`action-tracker-tfstate-${ACCOUNT}`));
    same(
      'state bucket SSE',
      tfRes(bs, 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default[0].sse_algorithm,
      p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
      SPEC('AES256'),
    );
    same(
      'state bucket versioning',
      tfRes(bs, 'aws_s3_bucket_versioning').versioning_configuration[0].status,
      p.VersioningConfiguration?.Status,
      SPEC('Enabled'),
    );
    same(
      'state bucket ownership',
      tfRes(bs, 'aws_s3_bucket_ownership_controls').rule[0].object_ownership,
      p.OwnershipControls?.Rules[0].ObjectOwnership,
      SPEC('BucketOwnerEnforced'),
    );
    samePab('state bucket', tfRes(bs, 'aws_s3_bucket_public_access_block'), p.PublicAccessBlockConfiguration);
    same(
      'state bucket kept on destroy (TF prevent_destroy ↔ CDK Retain)',
      bucket.lifecycle?.[0]?.prevent_destroy === true,
      c[0] && bootstrapCdk[c[0][0]].DeletionPolicy === 'Retain',
      SPEC(true),
    );
    const cdkPolicy = ofType(bootstrapCdk, 'AWS::S3::BucketPolicy')[0]?.[1];
    samePolicy('state bucket policy', tfStatements(s, bs, 'this'), cdkStatements(s, cdkPolicy?.PolicyDocument));
    const lc = asArray<Json>(tfRes(bs, 'aws_s3_bucket_lifecycle_configuration').dynamic?.rule)[0]!;
    const tfLc = Object.entries(ev(s, bs, lc.for_each) as Record<string, string>).map(([key, value]) => {
      const b = { rule: { key, value } };
      const c0 = lc.content[0];
      return `${ev(s, bs, c0.id, b)} ${ev(s, bs, c0.filter[0].prefix, b)} expire ${c0.expiration[0].days} noncurrent ${c0.noncurrent_version_expiration[0].noncurrent_days} abort ${c0.abort_incomplete_multipart_upload[0].days_after_initiation}`;
    });
    const cdkLc = asArray<Json>(p.LifecycleConfiguration?.Rules).map(
      (x) =>
        `${x.Id} ${x.Prefix ?? x.Filter?.Prefix ?? ''} expire ${x.ExpirationInDays} noncurrent ${x.NoncurrentVersionExpiration?.NoncurrentDays} abort ${x.AbortIncompleteMultipartUpload?.DaysAfterInitiation}`,
    );
    same('state bucket lifecycle (saved plans)', sorted(tfLc), sorted(cdkLc));
  });

  it('the ECR repository: immutable tags, scan on push', () => {
    const s = B();
    const repoRes = tfRes(bs, 'aws_ecr_repository');
    const c = ofType(bootstrapCdk, 'AWS::ECR::Repository');
    same('ECR repositories', tfCount(s, bs, repoRes), c.length, SPEC(1));
    same('ECR repository name', ev(s, bs, repoRes.name), c[0]![1].RepositoryName, SPEC('action-tracker'));
    same('ECR tag mutability', repoRes.image_tag_mutability, c[0]![1].ImageTagMutability, SPEC('IMMUTABLE'));
    same(
      'ECR scan on push',
      repoRes.image_scanning_configuration[0].scan_on_push,
      c[0]![1].ImageScanningConfiguration?.ScanOnPush,
      SPEC(true),
    );
    same(
      'ECR lifecycle policy',
      JSON.parse(String(ev(s, bs, tfRes(bs, 'aws_ecr_lifecycle_policy').policy))),
      JSON.parse(String(c[0]![1].LifecyclePolicy?.LifecyclePolicyText)),
    );
  });
});

// ---------------------------------------------------------------- shared pieces

function tfContainer(s: Side): Json {
  const defs = ev(s, 'modules/ecs', tfRes('modules/ecs', 'aws_ecs_task_definition').container_definitions);
  if (typeof defs !== 'string') throw new Error(`TF container_definitions not decided: ${JSON.stringify(defs)}`);
  const list = JSON.parse(defs) as Json[];
  expect(list.length, 'TF containers in the task definition').toBe(1);
  return list[0]!;
}

/** Terraform's container environment, name → value (references as `<thing>`). */
function tfEnvironment(s: Side): Record<string, string> {
  const env = ev(s, 'modules/ecs', '${local.container_environment}') as { name: string; value: unknown }[];
  const out: Record<string, string> = {};
  for (const { name, value } of env) out[name] = String(value);
  expect(
    tfContainer(s).environment?.map((e: Json) => e.name),
    'TF task definition environment = local.container_environment',
  ).toEqual(env.map((e) => e.name));
  return out;
}
function cdkEnvironment(s: Side): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of asArray<Json>(props(s, s.ids.taskDefinition).ContainerDefinitions[0].Environment))
    out[String(e.Name)] = String(cdkR(s, e.Value));
  return out;
}

const TABLE = (): Record<string, string | { ref: string }> =>
  JSON.parse(readFileSync(join(TERRAFORM_ROOT, 'modules', 'ecs', 'container-environment.json'), 'utf8')).settings;
const tableRefs = () => Object.values(TABLE()).flatMap((v) => (typeof v === 'string' ? [] : [v.ref]));
/**
 * The table with its refs filled from each ref's source: the tfvars for the
 * plain values (region, oidc_*), the key's presence for evidence_sse, and the
 * things only apply knows by name.
 */
function fromTable(s: Side, o: { kms: boolean; probe?: boolean }): Record<string, string> {
  const env = S_ENV(s);
  const refs: Record<string, string | null> = {
    database_url: 'postgres://tracker@<database.address>:5432/tracker?sslmode=verify-full',
    database_password_secret_arn: '<database.master_secret_arn>',
    evidence_bucket: `action-tracker-${env}-evidence-${ACCOUNT}`,
    evidence_sse: o.kms ? 'aws:kms' : 'AES256',
    evidence_kms_key_arn: o.kms ? String(s.vars.evidence_kms_key_arn) : null,
    alb_arn: '<alb.arn>',
    region: String(s.vars.region),
    oidc_user_claim: String(s.vars.oidc_user_claim),
    oidc_groups_claim: String(s.vars.oidc_groups_claim),
    oidc_role_map: String(s.vars.oidc_role_map),
    oidc_default_role: String(s.vars.oidc_default_role),
    probe_interval_s: o.probe ? '0' : null,
  };
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(TABLE())) {
    const value = typeof v === 'string' ? v : refs[v.ref];
    if (value === undefined) throw new Error(`table ref ${JSON.stringify(v)} unknown to this test`);
    if (value !== null) out[name] = value;
  }
  return out;
}
const S_ENV = (s: Side): DeployEnv => String(s.vars.env) as DeployEnv;

/** What a reference becomes once deployed, so the app's parser judges the environment as the task sees it. */
const DEPLOYED: Record<string, string> = {
  'database.address': 'action-tracker.abc123.eu-west-1.rds.amazonaws.com',
  'database.master_secret_arn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf',
  'alb.arn': 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/action-tracker/0123456789abcdef',
};
function asDeployed(env: Record<string, string>, tool: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    out[name] = value.replace(/<([\w.]+)>/g, (w, thing: string) => {
      if (!(thing in DEPLOYED)) expect.fail(`${tool}: ${name} refers to ${w}, which has no deployed value in this test`);
      return DEPLOYED[thing]!;
    });
    expect(out[name], `${tool}: ${name} fully resolved`).not.toMatch(/\$\{|<[\w.]+>/);
  }
  return out;
}

function samePab(what: string, tf: Json, cdk: Json): void {
  for (const [t, k] of [
    ['block_public_acls', 'BlockPublicAcls'],
    ['block_public_policy', 'BlockPublicPolicy'],
    ['ignore_public_acls', 'IgnorePublicAcls'],
    ['restrict_public_buckets', 'RestrictPublicBuckets'],
  ] as const) {
    same(`${what} public access block ${t}`, tf[t], cdk?.[k], SPEC(true));
  }
}

function evidenceBucketBasics(s: Side, env: DeployEnv): void {
  const s3 = 'modules/s3';
  const c = props(s, s.ids.evidenceBucket);
  same(
    'evidence bucket name',
    ev(s, s3, tfRes(s3, 'aws_s3_bucket').bucket),
    c.BucketName,
    SPEC(`action-tracker-${env}-evidence-${ACCOUNT}`),
  );
  const rule = tfRes(s3, 'aws_s3_bucket_server_side_encryption_configuration').rule[0];
  const byDefault = rule.apply_server_side_encryption_by_default[0];
  const cdkSse = c.BucketEncryption.ServerSideEncryptionConfiguration[0];
  const key = s.vars.evidence_kms_key_arn ?? null;
  same(
    'evidence SSE algorithm',
    ev(s, s3, byDefault.sse_algorithm),
    cdkSse.ServerSideEncryptionByDefault.SSEAlgorithm,
    SPEC(key ? 'aws:kms' : 'AES256'),
  );
  same('evidence SSE key', ev(s, s3, byDefault.kms_master_key_id), cdkSse.ServerSideEncryptionByDefault.KMSMasterKeyID ?? null, SPEC(key));
  same('evidence bucket keys', ev(s, s3, rule.bucket_key_enabled), cdkSse.BucketKeyEnabled ?? false, SPEC(Boolean(key)));
  same(
    'evidence versioning',
    tfRes(s3, 'aws_s3_bucket_versioning').versioning_configuration[0].status,
    c.VersioningConfiguration?.Status,
    SPEC('Enabled'),
  );
  same(
    'evidence ownership',
    tfRes(s3, 'aws_s3_bucket_ownership_controls').rule[0].object_ownership,
    c.OwnershipControls?.Rules[0].ObjectOwnership,
    SPEC('BucketOwnerEnforced'),
  );
  samePab('evidence bucket', tfRes(s3, 'aws_s3_bucket_public_access_block'), c.PublicAccessBlockConfiguration);
  const tfLc = asArray<Json>(tfRes(s3, 'aws_s3_bucket_lifecycle_configuration').rule).map((r) => ({
    id: r.id,
    status: r.status,
    noncurrent: r.noncurrent_version_expiration ? ev(s, s3, r.noncurrent_version_expiration[0].noncurrent_days) : undefined,
    abort: r.abort_incomplete_multipart_upload ? ev(s, s3, r.abort_incomplete_multipart_upload[0].days_after_initiation) : undefined,
  }));
  const cdkLc = asArray<Json>(c.LifecycleConfiguration?.Rules).map((r) => ({
    id: r.Id,
    status: r.Status,
    noncurrent: r.NoncurrentVersionExpiration?.NoncurrentDays,
    abort: r.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
  }));
  same(
    'evidence lifecycle',
    tfLc,
    cdkLc,
    SPEC([
      { id: 'expire-noncurrent-versions', status: 'Enabled', noncurrent: 90, abort: undefined },
      { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', noncurrent: undefined, abort: 7 },
    ]),
  );
}

/**
 * Removal, compared as: TF `force_destroy` (may destroy delete the objects?)
 * ↔ CDK autoDeleteObjects (a Custom::S3AutoDeleteObjects for the bucket); and
 * whether destroy removes the bucket at all: TF always tries in dev (only
 * an empty bucket goes unless force_destroy) ↔ CDK DeletionPolicy Delete in dev;
 * prod: CDK Retain (SPEC; Terraform's guard is the deletion protection of the
 * data and the refusal of force_destroy in prod).
 */
function removal(s: Side, env: DeployEnv): void {
  const autoDelete = new Set(ofType(s.cdk, 'Custom::S3AutoDeleteObjects').map(([, p]) => String(p.BucketName?.Ref)));
  const force = Boolean(s.vars.evidence_force_destroy);
  for (const [what, name, id] of [
    ['evidence bucket', 'modules/s3', s.ids.evidenceBucket],
    ['log bucket', 'modules/logs', s.ids.logBucket],
  ] as const) {
    const tfForce = ev(s, name, tfRes(name, 'aws_s3_bucket').force_destroy);
    same(`${what} objects deleted on destroy (TF force_destroy ↔ CDK autoDeleteObjects)`, tfForce, autoDelete.has(id), SPEC(force));
    same(
      `${what} DeletionPolicy`,
      env === 'prod' ? 'Retain' : 'Delete',
      s.cdk[id].DeletionPolicy,
      SPEC(env === 'prod' ? 'Retain' : 'Delete'),
    );
  }
  if (env === 'prod') expect(force, 'prod never sets evidence_force_destroy (SPEC)').toBe(false);
}

// ---------------------------------------------------------------- security groups (both tools, one shape)

interface SgRule {
  sg: string;
  dir: 'ingress' | 'egress';
  proto: string;
  from?: number;
  to?: number;
  peer: string;
}
const ruleKey = (r: SgRule) => `${r.sg} ${r.dir} ${r.proto} ${r.from ?? '*'}-${r.to ?? '*'} ${r.peer}`;
const TF_SG_OF_MODULE: Record<string, string> = { 'modules/alb': 'alb', 'modules/ecs': 'app', 'modules/rds': 'db' };

function tfSgRules(s: Side): string[] {
  const rules: SgRule[] = [];
  for (const [name, sg] of Object.entries(TF_SG_OF_MODULE)) {
    for (const dir of ['ingress', 'egress'] as const) {
      for (const r of Object.values(mod(name).resource[`aws_vpc_security_group_${dir}_rule`] ?? {}) as Json[]) {
        expect(r.security_group_id, `${name} ${dir} rule attaches to its own SG`).toBe('${aws_security_group.this.id}');
        let peer = r.cidr_ipv4 ?? r.cidr_ipv6;
        if (r.referenced_security_group_id) {
          const passed = String(evalTf(modules, name, r.referenced_security_group_id, s.vars));
          const from = /\$\{(modules\/\w+):aws_security_group\.this\.id\}/.exec(passed)?.[1];
          peer = `sg:${(from && TF_SG_OF_MODULE[from]) ?? passed}`;
        }
        rules.push({ sg, dir, proto: String(r.ip_protocol), from: r.from_port, to: r.to_port, peer: String(peer) });
      }
    }
  }
  return rules.map(ruleKey).sort();
}

function cdkSgRules(s: Side): string[] {
  const names: Record<string, string> = { [s.ids.albSecurityGroup]: 'alb', [s.ids.appSecurityGroup]: 'app', [s.ids.dbSecurityGroup]: 'db' };
  const rules: SgRule[] = [];
  const sgName = (ref: unknown): string => names[(ref as Json)?.['Fn::GetAtt']?.[0]] ?? JSON.stringify(ref);
  const ports = (r: Json) => (String(r.IpProtocol) === '-1' ? {} : { from: r.FromPort, to: r.ToPort });
  for (const [id, sg] of Object.entries(names)) {
    const p = props(s, id);
    for (const r of asArray<Json>(p.SecurityGroupIngress)) {
      rules.push({
        sg,
        dir: 'ingress',
        proto: String(r.IpProtocol),
        ...ports(r),
        peer: r.CidrIp ?? r.CidrIpv6 ?? `sg:${sgName(r.SourceSecurityGroupId)}`,
      });
    }
    for (const r of asArray<Json>(p.SecurityGroupEgress)) {
      if (r.CidrIp === '255.255.255.255/32' && r.Description === 'Disallow all traffic') continue; // CDK's placeholder for "no egress"
      rules.push({ sg, dir: 'egress', proto: String(r.IpProtocol), ...ports(r), peer: r.CidrIp ?? r.CidrIpv6 });
    }
  }
  for (const [, r] of ofType(s.cdk, 'AWS::EC2::SecurityGroupIngress')) {
    rules.push({
      sg: sgName(r.GroupId),
      dir: 'ingress',
      proto: String(r.IpProtocol),
      ...ports(r),
      peer: r.CidrIp ?? r.CidrIpv6 ?? `sg:${sgName(r.SourceSecurityGroupId)}`,
    });
  }
  for (const [, r] of ofType(s.cdk, 'AWS::EC2::SecurityGroupEgress')) {
    rules.push({
      sg: sgName(r.GroupId),
      dir: 'egress',
      proto: String(r.IpProtocol),
      ...ports(r),
      peer: r.CidrIp ?? r.CidrIpv6 ?? `sg:${sgName(r.DestinationSecurityGroupId)}`,
    });
  }
  return rules.map(ruleKey).sort();
}

// ---------------------------------------------------------------- the README

/** What the deployment relies on from the app: the README's Deploy section names each. */
const DEPLOYMENT_SETTINGS = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_PASSWORD_SECRET_ARN',
  'MIGRATE_ON_START',
  'ALB_IDLE_TIMEOUT_S',
  'SHUTDOWN_TIMEOUT_MS',
  'EVIDENCE_BUCKET',
  'EVIDENCE_SSE',
  'AWS_REGION',
  'AUTH_MODE',
  'ALB_OIDC_SIGNER_ARN',
  'OIDC_USER_CLAIM',
  'OIDC_GROUPS_CLAIM',
  'OIDC_ROLE_MAP',
  'OIDC_DEFAULT_ROLE',
  'PROBE_INTERVAL_S',
];
describe('the README', () => {
  it('the Deploy section names every setting the deployment depends on, and the table sets each', () => {
    expect(
      DEPLOYMENT_SETTINGS.filter((n) => !(n in TABLE())),
      'deployment settings missing from container-environment.json',
    ).toEqual([]);
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Deploy');
    expect(start, 'README has a Deploy section').toBeGreaterThan(-1);
    const next = readme.indexOf('\n## ', start + 1);
    const deploy = readme.slice(start, next === -1 ? undefined : next);
    expect(
      DEPLOYMENT_SETTINGS.filter((n) => !deploy.includes(`\`${n}\``)),
      'settings the Deploy section does not name',
    ).toEqual([]);
  });
});
