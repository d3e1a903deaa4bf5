// The load balancer's listeners and rules, read from the Terraform (parsed
// statically) and from a synthesized CDK template into one shape, so the
// comparison suite can compare them and the policy suite can judge them with
// one set of rules. Not a test file: compare.test.ts and policy.test.ts use it.
import { resolveTf, type TfModule } from '../support/terraform';

type Json = Record<string, any>;

export interface OidcConfig {
  issuer: unknown;
  authorizationEndpoint: unknown;
  tokenEndpoint: unknown;
  userInfoEndpoint: unknown;
  clientId: unknown;
  /** As written: a Terraform expression, or the CDK template's value (a dynamic reference). */
  clientSecret: unknown;
  scope: unknown;
  sessionTimeout: unknown;
  onUnauthenticatedRequest: unknown;
}

export interface Action {
  type: string;
  order: number | undefined;
  /** `target-group` when the action forwards to the app's target group. */
  forwardTo?: string | undefined;
  redirect?: { protocol: unknown; port: unknown; statusCode: unknown } | undefined;
  fixedResponse?: { statusCode: number; contentType: unknown; body: unknown } | undefined;
  oidc?: OidcConfig | undefined;
}

export interface Rule {
  where: string;
  priority: number;
  /** Normalized: `path-pattern=/a,/b`, `http-header Authorization=Bearer *`, `http-request-method=GET,HEAD`, … */
  conditions: string[];
  actions: Action[];
}

export interface Listener {
  where: string;
  port: number;
  protocol: string;
  /** Exactly as written (Terraform) or rendered (CDK). */
  certificate: unknown;
  defaultActions: Action[];
  rules: Rule[];
}

const asArray = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const byOrder = (actions: Action[]) => [...actions].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));

// ---------------------------------------------------------------- Terraform

/** Every aws_lb_listener of every module, with the aws_lb_listener_rule blocks attached to it. */
export function tfListeners(modules: TfModule[], tfvars: Record<string, unknown>): Listener[] {
  const out: Listener[] = [];
  for (const m of modules) {
    const resolve = (v: unknown) => resolveTf(modules, m.name, v, tfvars);
    const priority = (v: unknown): number => {
      if (typeof v === 'number') return v;
      const local = /^\$\{local\.([\w-]+)\.([\w-]+)\}$/.exec(String(v));
      const value = local ? m.locals[local[1]!]?.[local[2]!] : resolve(v);
      return typeof value === 'number' ? value : Number.NaN;
    };
    const action = (a: Json): Action => {
      const forward = /^\$\{aws_lb_target_group\.\w+\.arn\}$/.test(String(a.target_group_arn ?? '')) ? 'target-group' : a.target_group_arn;
      const redirect = asArray<Json>(a.redirect)[0];
      const fixed = asArray<Json>(a.fixed_response)[0];
      const oidc = asArray<Json>(a.authenticate_oidc)[0];
      return {
        type: String(a.type),
        order: a.order === undefined ? undefined : Number(a.order),
        forwardTo: forward === undefined ? undefined : String(forward),
        redirect: redirect && { protocol: redirect.protocol, port: String(redirect.port), statusCode: redirect.status_code },
        fixedResponse: fixed && { statusCode: Number(fixed.status_code), contentType: fixed.content_type, body: fixed.message_body },
        oidc: oidc && {
          issuer: resolve(oidc.issuer),
          authorizationEndpoint: resolve(oidc.authorization_endpoint),
          tokenEndpoint: resolve(oidc.token_endpoint),
          userInfoEndpoint: resolve(oidc.user_info_endpoint),
          clientId: resolve(oidc.client_id),
          clientSecret: oidc.client_secret,
          scope: resolve(oidc.scope),
          sessionTimeout: Number(resolve(oidc.session_timeout)),
          onUnauthenticatedRequest: oidc.on_unauthenticated_request ?? 'authenticate',
        },
      };
    };
    const condition = (c: Json): string[] => {
      const out: string[] = [];
      for (const p of asArray<Json>(c.path_pattern)) out.push(`path-pattern=${asArray(p.values).join(',')}`);
      for (const h of asArray<Json>(c.host_header)) out.push(`host-header=${asArray(h.values).join(',')}`);
      for (const h of asArray<Json>(c.http_header)) out.push(`http-header ${h.http_header_name}=${asArray(h.values).join(',')}`);
      for (const r of asArray<Json>(c.http_request_method)) out.push(`http-request-method=${asArray(r.values).join(',')}`);
      for (const q of asArray<Json>(c.query_string)) out.push(`query-string=${JSON.stringify(q)}`);
      for (const s of asArray<Json>(c.source_ip)) out.push(`source-ip=${asArray(s.values).join(',')}`);
      return out;
    };
    for (const [key, l] of Object.entries((m.resource.aws_lb_listener ?? {}) as Record<string, Json>)) {
      const rules = Object.entries((m.resource.aws_lb_listener_rule ?? {}) as Record<string, Json>)
        .filter(([, r]) => r.listener_arn === `\${aws_lb_listener.${key}.arn}`)
        .map(([name, r]) => ({
          where: `${m.name}: aws_lb_listener_rule.${name}`,
          priority: priority(r.priority),
          conditions: asArray<Json>(r.condition).flatMap(condition).sort(),
          actions: byOrder(asArray<Json>(r.action).map(action)),
        }));
      out.push({
        where: `${m.name}: aws_lb_listener.${key}`,
        port: Number(l.port),
        protocol: String(l.protocol),
        certificate: resolve(l.certificate_arn),
        defaultActions: byOrder(asArray<Json>(l.default_action).map(action)),
        rules: rules.sort((a, b) => a.priority - b.priority),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- CDK

/** Every listener of a synthesized template (its Resources), with its listener rules. */
export function cdkListeners(resources: Json, label = ''): Listener[] {
  const isTargetGroup = (ref: unknown) => resources[(ref as Json)?.Ref]?.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup';
  const action = (a: Json): Action => {
    const target = a.TargetGroupArn ?? asArray<Json>(a.ForwardConfig?.TargetGroups)[0]?.TargetGroupArn;
    const oidc = a.AuthenticateOidcConfig;
    return {
      type: String(a.Type),
      order: a.Order === undefined ? undefined : Number(a.Order),
      forwardTo: target === undefined ? undefined : isTargetGroup(target) ? 'target-group' : JSON.stringify(target),
      redirect: a.RedirectConfig && {
        protocol: a.RedirectConfig.Protocol,
        port: String(a.RedirectConfig.Port),
        statusCode: a.RedirectConfig.StatusCode,
      },
      fixedResponse: a.FixedResponseConfig && {
        statusCode: Number(a.FixedResponseConfig.StatusCode),
        contentType: a.FixedResponseConfig.ContentType,
        body: a.FixedResponseConfig.MessageBody,
      },
      oidc: oidc && {
        issuer: oidc.Issuer,
        authorizationEndpoint: oidc.AuthorizationEndpoint,
        tokenEndpoint: oidc.TokenEndpoint,
        userInfoEndpoint: oidc.UserInfoEndpoint,
        clientId: oidc.ClientId,
        clientSecret: oidc.ClientSecret,
        scope: oidc.Scope ?? 'openid',
        sessionTimeout: Number(oidc.SessionTimeout ?? 604800),
        onUnauthenticatedRequest: oidc.OnUnauthenticatedRequest ?? 'authenticate',
      },
    };
  };
  const condition = (c: Json): string[] => {
    switch (c.Field) {
      case 'path-pattern':
        return [`path-pattern=${asArray(c.PathPatternConfig?.Values ?? c.Values).join(',')}`];
      case 'host-header':
        return [`host-header=${asArray(c.HostHeaderConfig?.Values ?? c.Values).join(',')}`];
      case 'http-header':
        return [`http-header ${c.HttpHeaderConfig?.HttpHeaderName}=${asArray(c.HttpHeaderConfig?.Values).join(',')}`];
      case 'http-request-method':
        return [`http-request-method=${asArray(c.HttpRequestMethodConfig?.Values).join(',')}`];
      default:
        return [`${c.Field}=${JSON.stringify(c)}`];
    }
  };
  const prefix = label ? `${label}: ` : '';
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener')
    .map(([id, r]) => {
      const p = r.Properties ?? {};
      const rules = Object.entries(resources)
        .filter(([, rule]) => rule.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule' && rule.Properties?.ListenerArn?.Ref === id)
        .map(([ruleId, rule]) => ({
          where: `${prefix}${ruleId}`,
          priority: Number(rule.Properties.Priority),
          conditions: asArray<Json>(rule.Properties.Conditions).flatMap(condition).sort(),
          actions: byOrder(asArray<Json>(rule.Properties.Actions).map(action)),
        }));
      return {
        where: `${prefix}${id}`,
        port: Number(p.Port),
        protocol: String(p.Protocol),
        certificate: asArray<Json>(p.Certificates)[0]?.CertificateArn,
        defaultActions: byOrder(asArray<Json>(p.DefaultActions).map(action)),
        rules: rules.sort((a, b) => a.priority - b.priority),
      };
    });
}

// ---------------------------------------------------------------- the rules they must follow

const AUTHENTICATE = new Set(['authenticate-oidc', 'authenticate-cognito']);
/** Actions up to the first forward: is there an authentication before it? */
const forwardsUnauthenticated = (actions: Action[]) => {
  for (const a of actions) {
    if (AUTHENTICATE.has(a.type)) return false;
    if (a.type === 'forward') return true;
  }
  return false;
};
const authenticates = (actions: Action[]) => actions.some((a) => AUTHENTICATE.has(a.type));

/** The bypass for automation: only an `Authorization: Bearer …` header, nothing else. */
export const isBearerRule = (r: Rule) =>
  r.conditions.length === 1 &&
  /^http-header authorization=/i.test(r.conditions[0]!) &&
  r.conditions[0]!.replace(/^http-header [^=]+=/, '')
    .split(',')
    .every((v) => /^bearer \S/i.test(v));
/** The bypass for health checks: the exact path /health (optionally narrowed by method). */
export const isHealthRule = (r: Rule) =>
  r.conditions.includes('path-pattern=/health') &&
  r.conditions.every((c) => c === 'path-pattern=/health' || c.startsWith('http-request-method='));
/** Keeps /metrics off the internet: a 403/404 answered by the load balancer itself. */
export const isMetricsBlock = (r: Rule) =>
  r.conditions.some((c) => /^path-pattern=(.*,)?\/metrics(,|$)/.test(c)) &&
  r.actions.length === 1 &&
  r.actions[0]!.type === 'fixed-response' &&
  [403, 404].includes(r.actions[0]!.fixedResponse?.statusCode ?? 0);

/**
 * What the deployment promises about sign-in, as a list of violations (empty
 * when it holds): plain HTTP only redirects to HTTPS; on HTTPS nothing reaches
 * the tasks unauthenticated except the bearer rule and /health; the bearer rule
 * is evaluated before any rule that would send its requests to sign-in; a rule
 * answers /metrics itself before any rule that forwards.
 */
export function signInViolations(listeners: Listener[]): string[] {
  const bad: string[] = [];
  if (listeners.length === 0) bad.push('no listener at all');
  for (const l of listeners) {
    if (l.protocol === 'HTTP') {
      const [only, ...more] = l.defaultActions;
      if (more.length || only?.type !== 'redirect' || only.redirect?.protocol !== 'HTTPS') {
        bad.push(`${l.where}: plain HTTP must only redirect to HTTPS (ALB sign-in runs on HTTPS listeners only)`);
      }
      for (const r of l.rules) bad.push(`${r.where}: a rule on the plain-HTTP listener (it can only bypass the redirect)`);
      continue;
    }
    if (l.protocol !== 'HTTPS') {
      bad.push(`${l.where}: protocol ${l.protocol}`);
      continue;
    }
    if (!l.certificate) bad.push(`${l.where}: HTTPS without a certificate`);
    if (!authenticates(l.defaultActions) || forwardsUnauthenticated(l.defaultActions)) {
      bad.push(`${l.where}: the default action forwards without signing the browser in`);
    }
    const terminal = l.defaultActions.at(-1);
    if (terminal?.type !== 'forward') bad.push(`${l.where}: the default action does not end by forwarding to the tasks`);
    const priorities = l.rules.map((r) => r.priority);
    if (priorities.some((p) => !Number.isInteger(p))) bad.push(`${l.where}: a rule priority that is not a number`);
    if (new Set(priorities).size !== priorities.length) bad.push(`${l.where}: two rules share a priority`);

    const bearer = l.rules.filter(isBearerRule);
    const metrics = l.rules.filter(isMetricsBlock);
    if (bearer.length !== 1) bad.push(`${l.where}: ${bearer.length} rules for Authorization: Bearer (want exactly one)`);
    if (metrics.length === 0) bad.push(`${l.where}: no rule keeps /metrics off the internet`);
    for (const r of l.rules) {
      if (forwardsUnauthenticated(r.actions) && !isBearerRule(r) && !isHealthRule(r)) {
        bad.push(`${r.where}: forwards without sign-in for ${r.conditions.join(' & ') || 'every request'}`);
      }
      if (r.actions.some((a) => a.type === 'forward') && metrics.every((m) => m.priority > r.priority)) {
        bad.push(`${r.where}: forwards at priority ${r.priority}, before /metrics is blocked`);
      }
      if (authenticates(r.actions) && bearer.some((b) => b.priority > r.priority)) {
        bad.push(`${r.where}: signs in at priority ${r.priority}, before the bearer rule (${bearer[0]!.priority}) lets tokens through`);
      }
    }
  }
  return bad;
}
