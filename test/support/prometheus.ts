// A strict reader of the Prometheus text exposition format (0.0.4), for tests
// that scrape /metrics: it throws on any line a Prometheus server would refuse,
// and checks what the format promises of a histogram.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, `x_count` for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export type Exposition = Map<string, Family>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Exposition {
  const families: Exposition = new Map();
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  const lines = text.split('\n');
  lines.pop();
  for (const [index, line] of lines.entries()) {
    const at = `line ${index + 1} (${JSON.stringify(line.slice(0, 80))})`;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) continue; // a plain comment
      const [, kind, name, rest] = meta as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!NAME.test(name)) throw new Error(`${at}: bad metric name`);
      const family = families.get(name) ?? { name, type: 'untyped' as MetricType, help: '', samples: [] };
      if (family.samples.length > 0) throw new Error(`${at}: ${kind} after the family's samples`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest as MetricType)) throw new Error(`${at}: unknown type`);
        if (families.has(name) && family.type !== 'untyped') throw new Error(`${at}: a second TYPE`);
        family.type = rest as MetricType;
      } else family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      families.set(name, family);
      continue;
    }
    const sample = parseSample(line, at);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${at}: a sample of no declared family`);
    family.samples.push(sample);
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(families: Exposition, sample: string): Family | undefined {
  const exact = families.get(sample);
  if (exact) return exact;
  const base = /^(.*)_(bucket|sum|count)$/.exec(sample)?.[1];
  const family = base === undefined ? undefined : families.get(base);
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

function parseSample(line: string, at: string): Sample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) throw new Error(`${at}: no metric name`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      LABEL.lastIndex = i;
      const label = LABEL.exec(line)?.[0];
      if (!label) throw new Error(`${at}: bad label name`);
      i += label.length;
      if (line.slice(i, i + 2) !== '="') throw new Error(`${at}: label ${label} without ="`);
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i++];
        if (c === undefined) throw new Error(`${at}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else throw new Error(`${at}: bad escape \\${e}`);
        } else value += c;
      }
      if (label in labels) throw new Error(`${at}: label ${label} twice`);
      labels[label] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`${at}: expected , or } after label ${label}`);
    }
    i++;
  }
  const rest = /^ (\S+)( -?\d+)?$/.exec(line.slice(i));
  if (!rest) throw new Error(`${at}: no value`);
  const value = parseValue(rest[1]!);
  if (value === undefined) throw new Error(`${at}: bad value ${rest[1]}`);
  return { name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

/** Per label set: buckets cumulative in `le` order, ending at +Inf equal to `_count`, and a `_sum`. */
function checkHistogram(family: Family): void {
  const byLabels = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = labelKey(rest);
    const entry = byLabels.get(key) ?? { buckets: [] };
    byLabels.set(key, entry);
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push([parseValue(le)!, s.value]);
    } else if (s.name === `${family.name}_count`) entry.count = s.value;
    else if (s.name === `${family.name}_sum`) entry.sum = s.value;
    else throw new Error(`${family.name}: unexpected sample ${s.name}`);
  }
  for (const [key, { buckets, count, sum }] of byLabels) {
    const where = `${family.name}{${key}}`;
    if (count === undefined || sum === undefined) throw new Error(`${where}: no _count or _sum`);
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.at(-1)?.[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`${where}: buckets not cumulative`);
    if (sorted.at(-1)![1] !== count) throw new Error(`${where}: +Inf bucket ${sorted.at(-1)![1]} is not _count ${count}`);
  }
}

export const labelKey = (labels: Record<string, string>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');

/** The value of the one sample of `name` (a family's sample name) whose labels are exactly `labels`, or undefined. */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(exposition, name);
  const key = labelKey(labels);
  const found = family?.samples.filter((s) => s.name === name && labelKey(s.labels) === key) ?? [];
  if (found.length > 1) throw new Error(`${name}{${key}} appears ${found.length} times`);
  return found[0]?.value;
}
