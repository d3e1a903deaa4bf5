// Terraform read statically: every .tf file is parsed with @cdktf/hcl2json
// (HCL → JSON; every block becomes an array, expressions stay `${...}`
// strings) and the static and comparison suites reason over that. Real
// Terraform (fmt, validate, test) runs too, in test/infra/terraform-cli.test.ts
// through test/support/terraform-cli.ts; this reading needs no binary.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const TERRAFORM_ROOT = join(process.cwd(), 'terraform');

/** One parsed Terraform file, or why it would not parse. */
export interface ParsedFile {
  path: string;
  json?: Record<string, any>;
  error?: string;
}

/** A module directory: its files merged block type by block type. */
export interface TfModule {
  dir: string;
  name: string;
  files: ParsedFile[];
  variable: Record<string, any>;
  resource: Record<string, Record<string, any>>;
  module: Record<string, any>;
  output: Record<string, any>;
  data: Record<string, Record<string, any>>;
  locals: Record<string, any>;
}

export async function parseFile(path: string, text = readFileSync(path, 'utf8')): Promise<ParsedFile> {
  try {
    return { path, json: await parse(path, text) };
  } catch (error) {
    return { path, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Directories holding .tf files: the root, bootstrap and every module. */
export function moduleDirs(): string[] {
  const dirs = [TERRAFORM_ROOT, join(TERRAFORM_ROOT, 'bootstrap')];
  const modules = join(TERRAFORM_ROOT, 'modules');
  if (existsSync(modules)) for (const name of readdirSync(modules).sort()) dirs.push(join(modules, name));
  return dirs.filter((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.tf')));
}

const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);

export async function loadModule(dir: string): Promise<TfModule> {
  const files = await Promise.all(
    readdirSync(dir)
      .filter((f) => f.endsWith('.tf'))
      .sort()
      .map((f) => parseFile(join(dir, f))),
  );
  const mod: TfModule = {
    dir,
    name: relative(TERRAFORM_ROOT, dir) || '.',
    files,
    variable: {},
    resource: {},
    module: {},
    output: {},
    data: {},
    locals: {},
  };
  for (const file of files) {
    const json = file.json ?? {};
    for (const [name, blocks] of Object.entries(json.variable ?? {})) mod.variable[name] = first(blocks);
    for (const [name, blocks] of Object.entries(json.module ?? {})) mod.module[name] = first(blocks);
    for (const [name, blocks] of Object.entries(json.output ?? {})) mod.output[name] = first(blocks);
    for (const block of (json.locals ?? []) as Record<string, unknown>[]) Object.assign(mod.locals, block);
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, unknown[]>>)) {
        mod[kind][type] ??= {};
        for (const [name, blocks] of Object.entries(byName)) mod[kind][type]![name] = first(blocks);
      }
    }
  }
  return mod;
}

/** Every `var.x` an expression anywhere in `value` refers to. */
export function referencedVariables(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g)) out.add(m[1]!);
  else if (Array.isArray(value)) for (const v of value) referencedVariables(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) referencedVariables(v, out);
  return out;
}

/** Reads a .tfvars file (HCL attributes) as plain JSON. */
export async function loadTfvars(path: string): Promise<Record<string, unknown>> {
  const parsed = await parseFile(path);
  if (parsed.error) throw new Error(`${path}: ${parsed.error}`);
  return parsed.json ?? {};
}

/** All module directories, parsed once per test file. */
export async function loadAll(): Promise<TfModule[]> {
  return Promise.all(moduleDirs().map(loadModule));
}

/** The root module's call of `moduleName` (e.g. `modules/s3`), if any. */
export function moduleCall(modules: TfModule[], moduleName: string): Record<string, any> | undefined {
  const root = modules.find((m) => m.name === '.');
  return Object.values(root?.module ?? {}).find((call) => String(call.source).replace(/^\.\//, '') === moduleName);
}

/**
 * A tiny resolver for the comparison suites: `${var.x}` inside module
 * `moduleName` becomes what the root passes for x (itself resolved against
 * `tfvars`, then the root variable's default), else the module variable's
 * default; `${var.x == null ? "a" : "b"}` is decided the same way, and any
 * other expression evalTf can decide at plan time (conditionals, locals,
 * coalesce, …). What only apply knows (module outputs of resource attributes,
 * resource attributes) comes back unchanged.
 */
export function resolveTf(modules: TfModule[], moduleName: string, value: unknown, tfvars: Record<string, unknown> = {}): unknown {
  if (typeof value !== 'string') return value;
  const lookup = (name: string): unknown => {
    if (moduleName === '.') {
      if (name in tfvars) return tfvars[name];
      return modules.find((m) => m.name === '.')?.variable[name]?.default ?? null;
    }
    const call = moduleCall(modules, moduleName);
    if (call && name in call) return resolveTf(modules, '.', call[name], tfvars);
    return modules.find((m) => m.name === moduleName)?.variable[name]?.default ?? null;
  };
  const plain = /^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}$/.exec(value);
  if (plain) return lookup(plain[1]!);
  const nullTest = /^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*) (==|!=) null \? "([^"]*)" : "([^"]*)"\}$/.exec(value);
  if (nullTest) {
    const isNull = lookup(nullTest[1]!) === null;
    return (nullTest[2] === '==') === isNull ? nullTest[3] : nullTest[4];
  }
  // Anything else (`var.env == "prod" ? a : b`, locals, coalesce, …) when the
  // plan would know it; what only apply knows stays as written.
  if (!value.includes('${')) return value;
  try {
    const decided = evalTf(modules, moduleName, value, tfvars);
    return containsUnknown(decided) ? value : decided;
  } catch {
    return value;
  }
}

const containsUnknown = (v: unknown): boolean =>
  isUnknown(v) ||
  (Array.isArray(v) ? v.some(containsUnknown) : v !== null && typeof v === 'object' && Object.values(v).some(containsUnknown));

// ---------------------------------------------------------------- a small HCL expression evaluator

/**
 * A value Terraform would know only at apply time (a resource attribute), or an
 * expression this evaluator does not implement. `text` is the expression with
 * everything known substituted, each unknown part written `${<module>:<expr>}`,
 * e.g. `postgres://tracker@${modules/rds:aws_db_instance.this.address}:5432/…`.
 */
export class TfUnknown {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
export const isUnknown = (v: unknown): v is TfUnknown => v instanceof TfUnknown;

/** Plan-time facts the data sources would answer (the dummy account of the CDK twin, by default). */
export interface TfFacts {
  account_id?: string;
  partition?: string;
  dns_suffix?: string;
}

interface EvalScope {
  modules: TfModule[];
  module: TfModule;
  tfvars: Record<string, unknown>;
  facts: Required<TfFacts>;
  /** each.key, count.index, for-expression variables, dynamic-block iterators. */
  bindings: Record<string, unknown>;
  /** Locals being evaluated (a cycle is an error, not a hang). */
  stack: string[];
  attribute?: EvalTfOptions['attribute'];
}

class TfEvalError extends Error {}

type Tok = { t: 'num' | 'str' | 'id' | 'op'; v: string; raw?: string };

/** Splits a template string into literal and `${…}` parts (quoted strings and braces nested inside are honoured). */
function templateParts(text: string): (string | { expr: string })[] {
  const parts: (string | { expr: string })[] = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      lit += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('${', i)) {
      const end = matchingBrace(text, i + 1);
      if (lit) parts.push(lit);
      lit = '';
      parts.push({
        expr: text
          .slice(i + 2, end)
          .replace(/^~/, '')
          .replace(/~$/, ''),
      });
      i = end + 1;
      continue;
    }
    lit += text[i];
    i += 1;
  }
  if (lit) parts.push(lit);
  return parts;
}

/** Index of the `}` closing the `{` at `open`. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') {
      i = endOfString(text, i);
      continue;
    }
    if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new TfEvalError(`unbalanced braces in ${text}`);
}

/** Index of the closing quote of the string opening at `start` (interpolations inside may hold quotes). */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text.startsWith('${', i)) i = matchingBrace(text, i + 1);
    else if (text[i] === '"') return i;
  }
  throw new TfEvalError(`unterminated string in ${text}`);
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const ops = ['=>', '==', '!=', '<=', '>=', '&&', '||', '...', '[*]', '.*'];
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '#' || src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i += 1;
    } else if (c === '"') {
      const end = endOfString(src, i);
      toks.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
    } else if (src.startsWith('<<', i)) {
      const m = /^<<-?([A-Za-z_]+)\n/.exec(src.slice(i));
      if (!m) throw new TfEvalError(`bad heredoc in ${src}`);
      const bodyStart = i + m[0].length;
      const endRe = new RegExp(`\\n\\s*${m[1]}\\b`);
      const rest = src.slice(bodyStart);
      const em = endRe.exec(rest);
      if (!em) throw new TfEvalError(`unterminated heredoc in ${src}`);
      toks.push({ t: 'str', v: rest.slice(0, em.index) + '\n', raw: 'heredoc' });
      i = bodyStart + em.index + em[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      toks.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      toks.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const op = ops.find((o) => src.startsWith(o, i)) ?? c;
      toks.push({ t: 'op', v: op });
      i += op.length;
    }
  }
  return toks;
}

type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'tpl'; parts: (string | Node)[] }
  | { k: 'ref'; name: string }
  | { k: 'attr'; of: Node; name: string }
  | { k: 'index'; of: Node; index: Node }
  | { k: 'splat'; of: Node; rest: string[] }
  | { k: 'call'; fn: string; args: Node[]; expand: boolean }
  | { k: 'list'; items: Node[] }
  | { k: 'obj'; items: [Node, Node][] }
  | { k: 'for'; obj: boolean; kv: string[]; coll: Node; key?: Node; value: Node; cond?: Node; group: boolean }
  | { k: 'un'; op: string; x: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'cond'; c: Node; a: Node; b: Node };

function parseExpr(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = (v?: string) => (v === undefined ? toks[p] : toks[p]?.v === v && toks[p]?.t !== 'str' ? toks[p] : undefined);
  const eat = (v: string) => {
    if (!peek(v)) throw new TfEvalError(`expected ${v} at ${JSON.stringify(toks.slice(p, p + 3))} in ${src}`);
    p += 1;
  };
  const skipCommas = () => {
    while (peek(',')) p += 1;
  };
  const ternary = (): Node => {
    const c = binary(0);
    if (peek('?')) {
      p += 1;
      const a = ternary();
      eat(':');
      return { k: 'cond', c, a, b: ternary() };
    }
    return c;
  };
  const levels = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];
  const binary = (level: number): Node => {
    if (level === levels.length) return unary();
    let a = binary(level + 1);
    for (;;) {
      const t = toks[p];
      if (t && t.t === 'op' && levels[level]!.includes(t.v)) {
        p += 1;
        a = { k: 'bin', op: t.v, a, b: binary(level + 1) };
      } else return a;
    }
  };
  const unary = (): Node => {
    if (peek('!') || peek('-')) {
      const op = toks[p]!.v;
      p += 1;
      return { k: 'un', op, x: unary() };
    }
    return postfix(primary());
  };
  const postfix = (node: Node): Node => {
    for (;;) {
      if (peek('.') && toks[p + 1]?.t === 'id') {
        node = { k: 'attr', of: node, name: toks[p + 1]!.v };
        p += 2;
      } else if (peek('.') && toks[p + 1]?.t === 'num') {
        node = { k: 'index', of: node, index: { k: 'lit', v: Number(toks[p + 1]!.v) } };
        p += 2;
      } else if (peek('[*]') || peek('.*')) {
        p += 1;
        const rest: string[] = [];
        while (peek('.') && toks[p + 1]?.t === 'id') {
          rest.push(toks[p + 1]!.v);
          p += 2;
        }
        node = { k: 'splat', of: node, rest };
      } else if (peek('[')) {
        p += 1;
        const index = ternary();
        eat(']');
        node = { k: 'index', of: node, index };
      } else return node;
    }
  };
  const primary = (): Node => {
    const t = toks[p];
    if (!t) throw new TfEvalError(`unexpected end of ${src}`);
    p += 1;
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'str') return t.raw === 'heredoc' ? template(t.v) : template(unescape(t.v));
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (peek('(')) {
        p += 1;
        const args: Node[] = [];
        let expand = false;
        while (!peek(')')) {
          args.push(ternary());
          if (peek('...')) {
            expand = true;
            p += 1;
          }
          if (!peek(')')) eat(',');
        }
        eat(')');
        return { k: 'call', fn: t.v, args, expand };
      }
      return { k: 'ref', name: t.v };
    }
    if (t.v === '(') {
      const inner = ternary();
      eat(')');
      return inner;
    }
    if (t.v === '[' || t.v === '{') {
      const obj = t.v === '{';
      const close = obj ? '}' : ']';
      if (toks[p]?.t === 'id' && toks[p]!.v === 'for') {
        p += 1;
        const kv = [toks[p]!.v];
        p += 1;
        if (peek(',')) {
          kv.push(toks[p + 1]!.v);
          p += 2;
        }
        if (toks[p]?.v !== 'in') throw new TfEvalError(`expected in: ${src}`);
        p += 1;
        const coll = ternary();
        eat(':');
        const first = ternary();
        let key: Node | undefined;
        let value = first;
        let group = false;
        if (obj) {
          eat('=>');
          key = first;
          value = ternary();
          if (peek('...')) {
            group = true;
            p += 1;
          }
        }
        let cond: Node | undefined;
        if (toks[p]?.t === 'id' && toks[p]!.v === 'if') {
          p += 1;
          cond = ternary();
        }
        eat(close);
        return { k: 'for', obj, kv, coll, key, value, cond, group };
      }
      if (!obj) {
        const items: Node[] = [];
        skipCommas();
        while (!peek(']')) {
          items.push(ternary());
          skipCommas();
        }
        eat(']');
        return { k: 'list', items };
      }
      const items: [Node, Node][] = [];
      skipCommas();
      while (!peek('}')) {
        const kt = toks[p]!;
        let key: Node;
        if (kt.t === 'id' && (toks[p + 1]?.v === '=' || toks[p + 1]?.v === ':')) {
          key = { k: 'lit', v: kt.v };
          p += 1;
        } else key = ternary();
        if (peek('=') || peek(':')) p += 1;
        else throw new TfEvalError(`expected = in object: ${src}`);
        items.push([key, ternary()]);
        skipCommas();
      }
      eat('}');
      return { k: 'obj', items };
    }
    throw new TfEvalError(`unexpected ${t.v} in ${src}`);
  };
  const node = ternary();
  if (p !== toks.length)
    throw new TfEvalError(
      `trailing tokens in ${src}: ${toks
        .slice(p)
        .map((x) => x.v)
        .join(' ')}`,
    );
  return node;
}

function unescape(s: string): string {
  // Only outside interpolations: a quote inside `${…}` is part of the expression.
  return templateParts(s)
    .map((part) =>
      typeof part === 'string'
        ? part.replace(/\\(["\\nrt])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c)
        : `\${${part.expr}}`,
    )
    .join('');
}

function template(text: string): Node {
  const parts = templateParts(text);
  if (parts.length === 1 && typeof parts[0] !== 'string') return parseExpr(parts[0]!.expr);
  return { k: 'tpl', parts: parts.map((part) => (typeof part === 'string' ? part : parseExpr(part.expr))) };
}

/** Renders a node back (for the text of an unknown value). */
function show(n: Node): string {
  switch (n.k) {
    case 'lit':
      return JSON.stringify(n.v);
    case 'ref':
      return n.name;
    case 'attr':
      return `${show(n.of)}.${n.name}`;
    case 'index':
      return `${show(n.of)}[${show(n.index)}]`;
    case 'splat':
      return `${show(n.of)}[*]${n.rest.map((r) => `.${r}`).join('')}`;
    case 'call':
      return `${n.fn}(${n.args.map(show).join(', ')})`;
    default:
      return `<${n.k}>`;
  }
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v);
const anyUnknown = (vs: unknown[]) => vs.find(isUnknown) as TfUnknown | undefined;
const tfString = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TfEvalError(`cannot use a ${typeOf(v)} as a string`);
};
/** Terraform's jsonencode: object keys sorted. */
const jsonencode = (v: unknown): string =>
  JSON.stringify(v, (_, x) =>
    isUnknown(x)
      ? x.text
      : x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
        : x,
  );
const deepUnknown = (v: unknown): boolean =>
  isUnknown(v) || (Array.isArray(v) ? v.some(deepUnknown) : v !== null && typeof v === 'object' && Object.values(v).some(deepUnknown));

function evalNode(n: Node, s: EvalScope): unknown {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'tpl': {
      const values = n.parts.map((part) => (typeof part === 'string' ? part : evalNode(part, s)));
      if (values.some(isUnknown)) {
        return new TfUnknown(values.map((v, i) => (isUnknown(v) ? v.text : typeof n.parts[i] === 'string' ? v : tfString(v))).join(''));
      }
      return values.map(tfString).join('');
    }
    case 'list':
      return n.items.map((x) => evalNode(x, s));
    case 'obj':
      return Object.fromEntries(n.items.map(([k, v]) => [tfString(evalNode(k, s)), evalNode(v, s)]));
    case 'un': {
      const x = evalNode(n.x, s);
      if (isUnknown(x)) return x;
      return n.op === '!' ? !x : -(x as number);
    }
    case 'bin': {
      const a = evalNode(n.a, s);
      if (n.op === '&&' && a === false) return false;
      if (n.op === '||' && a === true) return true;
      const b = evalNode(n.b, s);
      const u = anyUnknown([a, b]);
      if (u) return new TfUnknown(`\${${show(n.a)} ${n.op} ${show(n.b)}}`);
      switch (n.op) {
        case '==':
          return JSON.stringify(a) === JSON.stringify(b);
        case '!=':
          return JSON.stringify(a) !== JSON.stringify(b);
        case '&&':
          return Boolean(a) && Boolean(b);
        case '||':
          return Boolean(a) || Boolean(b);
        case '<':
          return (a as number) < (b as number);
        case '>':
          return (a as number) > (b as number);
        case '<=':
          return (a as number) <= (b as number);
        case '>=':
          return (a as number) >= (b as number);
        case '+':
          return (a as number) + (b as number);
        case '-':
          return (a as number) - (b as number);
        case '*':
          return (a as number) * (b as number);
        case '/':
          return (a as number) / (b as number);
        default:
          return (a as number) % (b as number);
      }
    }
    case 'cond': {
      const c = evalNode(n.c, s);
      if (isUnknown(c)) return c;
      return evalNode(c ? n.a : n.b, s);
    }
    case 'for': {
      const coll = evalNode(n.coll, s);
      if (isUnknown(coll)) return coll;
      const entries: [unknown, unknown][] = Array.isArray(coll)
        ? coll.map((v, i) => [i, v])
        : Object.entries(coll as Record<string, unknown>);
      const outList: unknown[] = [];
      const outObj: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        const bindings = { ...s.bindings };
        if (n.kv.length === 2) Object.assign(bindings, { [n.kv[0]!]: k, [n.kv[1]!]: v });
        else bindings[n.kv[0]!] = v;
        const inner = { ...s, bindings };
        if (n.cond) {
          const keep = evalNode(n.cond, inner);
          if (isUnknown(keep)) return keep;
          if (!keep) continue;
        }
        if (n.obj) {
          const key = tfString(evalNode(n.key!, inner));
          const value = evalNode(n.value, inner);
          if (n.group) ((outObj[key] ??= []) as unknown[]).push(value);
          else outObj[key] = value;
        } else outList.push(evalNode(n.value, inner));
      }
      return n.obj ? outObj : outList;
    }
    case 'call':
      return callFn(n, s);
    case 'splat': {
      const of = evalNode(n.of, s);
      if (isUnknown(of)) return new TfUnknown(`${of.text.replace(/\}$/, '')}[*]${n.rest.map((r) => `.${r}`).join('')}}`);
      const list = of === null ? [] : Array.isArray(of) ? of : [of];
      return list.map((x) => n.rest.reduce((acc, name) => getAttr(acc, name), x));
    }
    case 'attr':
    case 'index':
    case 'ref':
      return evalRef(n, s);
  }
}

function getAttr(v: unknown, name: string | number): unknown {
  if (isUnknown(v)) return new TfUnknown(`${v.text.replace(/\}$/, '')}${typeof name === 'number' ? `[${name}]` : `.${name}`}}`);
  if (Array.isArray(v) && typeof name === 'number') {
    if (name >= v.length) throw new TfEvalError(`index ${name} out of range`);
    return v[name];
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if (!(String(name) in v)) throw new TfEvalError(`no attribute ${name}`);
    return (v as Record<string, unknown>)[String(name)];
  }
  throw new TfEvalError(`cannot read ${name} of a ${typeOf(v)}`);
}

/** A chain of `.attr` / `[index]` from a root name. */
function flatten(n: Node): { root: string; path: Node[] } | undefined {
  const path: Node[] = [];
  let cur = n;
  while (cur.k === 'attr' || cur.k === 'index') {
    path.unshift(cur.k === 'attr' ? { k: 'lit', v: cur.name } : cur.index);
    cur = cur.of;
  }
  return cur.k === 'ref' ? { root: cur.name, path } : undefined;
}

const DATA_FACTS: Record<string, keyof TfFacts> = {
  'aws_caller_identity.current.account_id': 'account_id',
  'aws_partition.current.partition': 'partition',
  'aws_partition.current.dns_suffix': 'dns_suffix',
};

function evalRef(n: Node, s: EvalScope): unknown {
  const chain = flatten(n);
  if (!chain) {
    const of = evalNode((n as { of: Node }).of, s);
    const key = n.k === 'attr' ? n.name : evalNode((n as { index: Node }).index, s);
    if (isUnknown(key)) return key;
    return getAttr(of, key as string | number);
  }
  const { root, path } = chain;
  const keys = () => path.map((x) => evalNode(x, s));
  const walk = (value: unknown, from: number) => {
    let v = value;
    const ks = keys();
    for (let i = from; i < ks.length; i += 1) {
      if (isUnknown(ks[i])) return ks[i];
      v = getAttr(v, ks[i] as string | number);
    }
    return v;
  };
  if (root in s.bindings) return walk(s.bindings[root], 0);
  const first = path[0] && path[0].k === 'lit' ? String(path[0].v) : undefined;
  if (root === 'var' && first) return walk(variable(first, s), 1);
  if (root === 'local' && first) return walk(local(first, s), 1);
  if (root === 'path' && first === 'module') return s.module.dir;
  if (root === 'each' || root === 'count') throw new TfEvalError(`${root} outside a block that sets it`);
  if (root === 'module' && first && path[1]?.k === 'lit') return walk(moduleOutput(first, String(path[1].v), s), 2);
  if (root === 'data' && path.length >= 3) {
    const ks = keys();
    const fact = DATA_FACTS[ks.slice(0, 3).join('.')];
    if (fact) return walk(s.facts[fact], 3);
  }
  // A resource attribute (or a data source the evaluator does not answer).
  const text = [root, ...keys().map((k) => (typeof k === 'number' ? `[${k}]` : `.${isUnknown(k) ? k.text : String(k)}`))]
    .join('')
    .replace(/\.\[/g, '[');
  const known = s.attribute?.(s.module.name, text);
  return known === undefined ? new TfUnknown(`\${${s.module.name}:${text}}`) : known;
}

function variable(name: string, s: EvalScope): unknown {
  // A module the root calls gets its variables from the call; a root module
  // (the root, the bootstrap) from the tfvars.
  const call = s.module.name === '.' ? undefined : moduleCall(s.modules, s.module.name);
  if (call) {
    if (name in call) {
      const root = s.modules.find((m) => m.name === '.')!;
      return evalValue(call[name], { ...s, module: root, bindings: {} });
    }
  } else if (name in s.tfvars) return s.tfvars[name];
  const decl = s.module.variable[name];
  if (!decl) throw new TfEvalError(`${s.module.name}: no variable ${name}`);
  return decl.default ?? null;
}

function local(name: string, s: EvalScope): unknown {
  const key = `${s.module.name}:${name}`;
  if (s.stack.includes(key)) throw new TfEvalError(`local cycle ${[...s.stack, key].join(' → ')}`);
  if (!(name in s.module.locals)) throw new TfEvalError(`${s.module.name}: no local ${name}`);
  return evalValue(s.module.locals[name], { ...s, bindings: {}, stack: [...s.stack, key] });
}

function moduleOutput(callName: string, output: string, s: EvalScope): unknown {
  const call = s.module.module[callName];
  const target = call && s.modules.find((m) => m.name === String(call.source).replace(/^\.\//, ''));
  const decl = target?.output[output];
  if (!target || !decl) throw new TfEvalError(`${s.module.name}: no module.${callName}.${output}`);
  return evalValue(decl.value, { ...s, module: target, bindings: {} });
}

function callFn(n: Extract<Node, { k: 'call' }>, s: EvalScope): unknown {
  if (n.fn === 'try' || n.fn === 'can') {
    for (const arg of n.args) {
      try {
        const v = evalNode(arg, s);
        return n.fn === 'can' ? (isUnknown(v) ? v : true) : v;
      } catch (error) {
        if (!(error instanceof TfEvalError)) throw error;
      }
    }
    if (n.fn === 'can') return false;
    throw new TfEvalError('try: no argument evaluated');
  }
  let args = n.args.map((a) => evalNode(a, s));
  if (n.expand) args = [...args.slice(0, -1), ...(args.at(-1) as unknown[])];
  const unknown = anyUnknown(args);
  const whole = () => new TfUnknown(`\${${n.fn}(${args.map((a) => (isUnknown(a) ? a.text : JSON.stringify(a))).join(', ')})}`);
  switch (n.fn) {
    case 'coalesce': {
      for (const a of args) {
        if (isUnknown(a)) return whole();
        if (a !== null && a !== '') return a;
      }
      throw new TfEvalError('coalesce: every argument null');
    }
    case 'merge':
      if (unknown) return whole();
      return Object.assign({}, ...(args as object[]));
    case 'jsonencode':
      // Unknown leaves are written as their text, so the caller can still read the document.
      if (deepUnknown(args[0])) return new TfUnknown(jsonencode(args[0]));
  }
  if (unknown) return whole();
  const [a, b, c] = args as any[];
  switch (n.fn) {
    case 'toset':
    case 'distinct':
      return [...new Set((a as unknown[]).map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x)).sort();
    case 'tolist':
    case 'tomap':
      return a;
    case 'tostring':
      return a === null ? null : tfString(a);
    case 'tonumber':
      return a === null ? null : Number(a);
    case 'tobool':
      return a === null ? null : a === true || a === 'true';
    case 'contains':
      return (a as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(b));
    case 'concat':
      return ([] as unknown[]).concat(...(args as unknown[][]));
    case 'keys':
      return Object.keys(a).sort();
    case 'values':
      return Object.keys(a)
        .sort()
        .map((k) => a[k]);
    case 'length':
      return typeof a === 'string' ? a.length : Array.isArray(a) ? a.length : Object.keys(a).length;
    case 'one':
      if ((a as unknown[]).length > 1) throw new TfEvalError('one: more than one element');
      return (a as unknown[])[0] ?? null;
    case 'element':
      return (a as unknown[])[(b as number) % (a as unknown[]).length];
    case 'lookup':
      return b in a ? a[b] : c;
    case 'slice':
      return (a as unknown[]).slice(b, c);
    case 'join':
      return (b as unknown[]).map(tfString).join(a);
    case 'split':
      return String(b).split(a);
    case 'replace':
      return String(a).split(b).join(c);
    case 'lower':
      return String(a).toLowerCase();
    case 'upper':
      return String(a).toUpperCase();
    case 'flatten':
      return (a as unknown[]).flat(Infinity);
    case 'sort':
      return [...(a as string[])].sort();
    case 'min':
      return Math.min(...(args as number[]));
    case 'max':
      return Math.max(...(args as number[]));
    case 'format':
      return String(a).replace(/%[sd]/g, () => tfString(args.splice(1, 1)[0]));
    case 'jsonencode':
      return jsonencode(a);
    case 'jsondecode':
      return JSON.parse(a);
    case 'regex':
    case 'regexall': {
      // RE2 and JavaScript agree on the patterns the modules use.
      const re = new RegExp(a, 'g');
      const matches = [...String(b).matchAll(re)].map((m) => (m.groups ? { ...m.groups } : m.length > 1 ? m.slice(1) : m[0]));
      if (n.fn === 'regexall') return matches;
      if (matches.length === 0) throw new TfEvalError(`regex: no match of ${a}`);
      return matches[0];
    }
    case 'startswith':
      return String(a).startsWith(b);
    case 'endswith':
      return String(a).endsWith(b);
    case 'trimprefix':
      return String(a).startsWith(b) ? String(a).slice(String(b).length) : a;
    case 'trimsuffix':
      return String(a).endsWith(b) ? String(a).slice(0, -String(b).length) : a;
    case 'substr':
      return String(a).substr(b, c < 0 ? undefined : c);
    case 'file':
      return readFileSync(isAbsolute(a) ? a : join(s.module.dir, a), 'utf8');
    default:
      return whole();
  }
}

/** Evaluates a value as hcl2json gives it: strings are templates, arrays and objects hold more values. */
function evalValue(value: unknown, s: EvalScope): unknown {
  if (typeof value === 'string') return evalNode(template(value), s);
  if (Array.isArray(value)) return value.map((v) => evalValue(v, s));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evalValue(v, s)]));
  return value;
}

export interface EvalTfOptions {
  /** each.key / each.value / count.index, or any iterator (e.g. `statement` of a dynamic block). */
  bindings?: Record<string, unknown>;
  facts?: TfFacts;
  /**
   * What the caller knows of a resource attribute (`where` is the module,
   * `ref` e.g. `aws_s3_bucket.this.arn`); undefined leaves it unknown.
   */
  attribute?: (where: string, ref: string) => unknown;
}

/**
 * Evaluates a Terraform value of module `moduleName` as the plan would with
 * `tfvars`: variables through the root's module call, locals, module outputs,
 * the functions and expressions the modules use (conditionals, for
 * expressions, coalesce, jsondecode(file(…)), …) and the account/partition
 * data sources (`facts`). What only apply knows comes back as a TfUnknown
 * holding the partly evaluated text. Throws on what Terraform would reject
 * (a missing map key, a cycle).
 */
export function evalTf(
  modules: TfModule[],
  moduleName: string,
  value: unknown,
  tfvars: Record<string, unknown> = {},
  options: EvalTfOptions = {},
): unknown {
  const module = modules.find((m) => m.name === moduleName);
  if (!module) throw new Error(`no Terraform module ${moduleName}`);
  const facts = { account_id: '123456789012', partition: 'aws', dns_suffix: 'amazonaws.com', ...options.facts };
  return evalValue(value, { modules, module, tfvars, facts, bindings: options.bindings ?? {}, stack: [], attribute: options.attribute });
}
