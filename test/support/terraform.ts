// Terraform read statically: no terraform binary runs here, so every .tf file
// is parsed with @cdktf/hcl2json (HCL → JSON; every block becomes an array,
// expressions stay `${...}` strings) and the tests reason over that.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
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
 * default; `${var.x == null ? "a" : "b"}` is decided the same way. Any other
 * expression (module outputs, resource attributes) comes back unchanged.
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
  return value;
}
