// What the three ingest readers share: the error that says where a document
// broke, JSON parsing that reports the line, column and byte, and the shape
// checks that turn zod issues into paths like `resource_changes[3].change.actions`.
// Pure: no I/O.
import { z } from 'zod';
import { text } from '../domain/action-schema';
import { INVENTORY_LIMITS } from '../domain/inventory-schema';
import { HttpProblem, type CarriesProblem, type FieldError } from '../problems';

/** At most this many problems are listed: a 50 MB document can be wrong everywhere. */
const MAX_ERRORS = 20;

/** The path of the document itself (a problem with its root, or its JSON syntax). */
export const ROOT = '(document)';

/** A document that is not JSON, or not in its tool's shape; `errors` says where. */
export class DocumentError extends Error implements CarriesProblem {
  override name = 'DocumentError';

  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }

  toProblem(): HttpProblem {
    return new HttpProblem('invalid-document', this.message, { errors: this.errors });
  }
}

// ------------------------------------------------------------------- JSON

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** JSON.parse with where it broke: "line 3, column 14 (byte 57): Unexpected token ..." → DocumentError */
export function parseJson(bytes: Buffer): unknown {
  // PowerShell's `>` and some editors write a byte order mark; it is not part of the JSON.
  const skip = bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
  const body = bytes.subarray(skip);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const at = firstInvalidUtf8(body);
    throw syntaxError(body.subarray(0, at).toString('utf8'), skip + at, 'not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const reported = /at position (\d+)/.exec(message);
    const position = reported ? Number(reported[1]) : whereJsonBreaks(text);
    const prefix = text.slice(0, position);
    throw syntaxError(prefix, skip + Buffer.byteLength(prefix, 'utf8'), reason(message));
  }
}

function syntaxError(prefix: string, byte: number, why: string): DocumentError {
  const lineStart = prefix.lastIndexOf('\n') + 1;
  const line = 1 + countNewlines(prefix);
  const column = 1 + codePointsBetween(prefix, lineStart, prefix.length);
  const message = `line ${line}, column ${column} (byte ${byte}): ${why}`;
  return new DocumentError(message, [{ path: ROOT, message }]);
}

/** V8's message without its position and its quote of the input (which may be long, or private). */
function reason(message: string): string {
  const token = /^(Unexpected token '.+?'),.*is not valid JSON$/s.exec(message);
  if (token) return token[1]!;
  return (
    message.replace(/ (in|after) JSON at position \d+.*$/s, (_all, word: string) => (word === 'after' ? ' after JSON' : '')).trim() ||
    'not valid JSON'
  );
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function codePointsBetween(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    // The low half of a surrogate pair is the same character as its high half.
    if (unit < 0xdc00 || unit > 0xdfff) n++;
  }
  return n;
}

/** The byte offset of the first malformed UTF-8 sequence (called only once decoding failed). */
function firstInvalidUtf8(bytes: Buffer): number {
  // A valid prefix survives a decode/encode round trip unchanged; the first
  // difference lies inside the replaced sequence, so step back to its lead byte.
  const round = Buffer.from(bytes.toString('utf8'), 'utf8');
  let i = 0;
  while (i < bytes.length && bytes[i] === round[i]) i++;
  while (i > 0 && (round[i]! & 0xc0) === 0x80) i--;
  return i;
}

/**
 * Where JSON.parse stopped, for the messages in which V8 gives no position
 * ("Unexpected token 'x', … is not valid JSON", "Unexpected end of JSON input"):
 * a scan of the grammar without building values, iterative so that deep
 * nesting cannot overflow the stack. Returns the index of the offending character.
 */
export function whereJsonBreaks(text: string): number {
  const n = text.length;
  const stack: ('{' | '[')[] = [];
  let i = 0;
  const ws = () => {
    while (i < n) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else break;
    }
  };
  const digits = (): boolean => {
    const start = i;
    while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    return i > start;
  };
  /** Scans a string from its opening quote; false where it breaks (i is there). */
  const string = (): boolean => {
    i++;
    while (i < n) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return true;
      }
      if (code < 0x20) return false;
      if (code === 0x5c) {
        i++;
        const escape = text[i];
        if (escape === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) return false;
          }
        } else if (escape === undefined || !'"\\/bfnrt'.includes(escape)) return false;
      }
      i++;
    }
    return false;
  };
  /** Scans one scalar, or opens a container; false where it breaks. */
  const value = (): boolean => {
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      return true;
    }
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      if (c === '-') i++;
      if (text[i] === '0') i++;
      else if (!digits()) return false;
      if (text[i] === '.') {
        i++;
        if (!digits()) return false;
      }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        if (!digits()) return false;
      }
      return true;
    }
    for (const word of ['true', 'false', 'null']) {
      if (c === word[0]) {
        for (const letter of word) {
          if (text[i] !== letter) return false;
          i++;
        }
        return true;
      }
    }
    return false;
  };

  // States: expecting a value; after '{' or ','-in-object (a key, or '}' right after '{').
  ws();
  if (!value()) return i;
  let justOpened = stack.length > 0;
  while (stack.length > 0) {
    ws();
    const top = stack[stack.length - 1]!;
    const c = text[i];
    if (justOpened && c === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
      justOpened = false;
      continue;
    }
    if (!justOpened) {
      if (c === ',') i++;
      else if (c === (top === '{' ? '}' : ']')) {
        stack.pop();
        i++;
        continue;
      } else return i;
      ws();
    }
    if (top === '{') {
      if (text[i] !== '"' || !string()) return i;
      ws();
      if (text[i] !== ':') return i;
      i++;
      ws();
    }
    const depth = stack.length;
    if (!value()) return i;
    justOpened = stack.length > depth;
  }
  ws();
  return i;
}

// ------------------------------------------------------------------ shapes

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `["resource_changes", 3, "change"]` → `resource_changes[3].change`; odd keys quoted: `stats["web-1"]`. */
export function documentPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || ROOT;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON object, kept as it is: its keys are names (hosts, groups), read with Object.entries. */
export const JsonObject = z.custom<Record<string, unknown>>(isRecord, 'must be an object');

/** The hosts API's rule for an instance id (one line, no control characters, at most 128). */
export const InstanceId = text({ min: 1, max: INVENTORY_LIMITS.instanceId });

/** Text as PostgreSQL can store it: without NUL, and without lone surrogates (JSON's `\ud800` escapes). */
export const storable = (text: string): string => text.replaceAll('\u0000', '').toWellFormed();

/** Collects what is wrong with a document, then throws it all at once (the first path named in the message). */
export class Problems {
  private readonly errors: FieldError[] = [];
  private more = 0;

  constructor(private readonly what: string) {}

  /** A problem at a path (its segments, or as documentPath wrote it). */
  add(path: readonly PathSegment[] | string, message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ path: typeof path === 'string' ? path : documentPath(path), message });
    else this.more++;
  }

  /** The value parsed by `schema`, or undefined with its issues added under `path`. */
  check<S extends z.ZodType>(schema: S, value: unknown, path: readonly PathSegment[]): z.output<S> | undefined {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    for (const issue of result.error.issues) this.add([...path, ...(issue.path as PathSegment[])], issueMessage(issue));
    return undefined;
  }

  /** The error naming the first path, or undefined when nothing was found. */
  toError(): DocumentError | undefined {
    const first = this.errors[0];
    if (!first) return undefined;
    const total = this.errors.length + this.more;
    const others = total > 1 ? ` (and ${total - 1} more problem${total > 2 ? 's' : ''})` : '';
    return new DocumentError(`${this.what}: ${first.path}: ${first.message}${others}`, this.errors);
  }

  throwIfAny(): void {
    const error = this.toError();
    if (error) throw error;
  }
}

/** A problem that makes the rest of the document meaningless: thrown at once. */
export function documentError(what: string, path: readonly PathSegment[], message: string): DocumentError {
  const problems = new Problems(what);
  problems.add(path, message);
  return problems.toError()!;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if ('input' in issue && issue.input === undefined && ['invalid_type', 'invalid_value', 'custom'].includes(issue.code))
    return 'is required';
  if (issue.code === 'invalid_type') return issue.expected === 'int' ? 'must be a whole number' : `must be ${article(issue.expected)}`;
  return issue.message;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

// ----------------------------------------------------------------- values

const ISO_INSTANT = z.iso.datetime({ offset: true });

/**
 * An ISO 8601 instant (with Z or an offset) as `toISOString()` writes it, or
 * undefined when it is not one. Some json callbacks append a `Z` after an offset
 * (`…+00:00Z`): that reads as the offset.
 */
export function instant(value: string): string | undefined {
  const v = /[+-]\d\d:\d\d[Zz]$/.test(value) ? value.slice(0, -1) : value;
  if (!ISO_INSTANT.safeParse(v).success) return undefined;
  // Date rolls 30 February over into March: the day must exist in its month.
  const [year, month, day] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const date = new Date(v);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export const INSTANT_RULE = 'must be an ISO 8601 date and time with Z or an offset';
