// Keyset cursors of the host list and of a host's activity: the position of
// the last row of a page, opaque to clients (base64url). A host cursor names
// the order it was made for, so a cursor of one order is refused in the other.
import { HOSTNAME, INVENTORY_LIMITS } from '../domain/inventory-schema';

export const HOST_SORTS = ['hostname', 'last_seen'] as const;
export type HostSort = (typeof HOST_SORTS)[number];

export type HostListPosition =
  /** By name: host names are unique whatever their case, so the lower-cased name alone is a position. */
  | { sort: 'hostname'; hostname: string }
  /** Newest seen first, then id; `lastSeen` null for a host never seen (those come last). */
  | { sort: 'last_seen'; lastSeen: string | null; id: number };

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const NEVER = '-';

const encode = (parts: string[]) => Buffer.from(parts.join('|'), 'utf8').toString('base64url');

/** The fields of a cursor text, or undefined when it is not base64url of a sensible length. */
function fieldsOf(text: string): string[] | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64url').toString('utf8').split('|');
}

const isId = (v: string | undefined): v is string => !!v && /^[1-9]\d{0,15}$/.test(v) && Number(v) <= Number.MAX_SAFE_INTEGER;

/** Only a real instant the API could have written (Date.parse rolls 02-30 over, and year 0 is refused by PostgreSQL). */
function isInstant(v: string): boolean {
  if (!ISO_MS.test(v) || v.startsWith('0000')) return false;
  const instant = new Date(v);
  return !Number.isNaN(instant.getTime()) && instant.toISOString() === v;
}

export function encodeHostCursor(p: HostListPosition): string {
  return p.sort === 'hostname' ? encode(['hostname', p.hostname]) : encode(['last_seen', p.lastSeen ?? NEVER, String(p.id)]);
}

/** Undefined when the text is not a host cursor this service issued. */
export function decodeHostCursor(text: string): HostListPosition | undefined {
  const fields = fieldsOf(text);
  if (!fields) return undefined;
  const [sort, a, b, extra] = fields;
  if (extra !== undefined) return undefined;
  if (sort === 'hostname') {
    if (b !== undefined || !a || a.length > INVENTORY_LIMITS.hostname || !HOSTNAME.test(a) || a !== a.toLowerCase()) return undefined;
    return { sort, hostname: a };
  }
  if (sort === 'last_seen') {
    if (!a || !isId(b) || (a !== NEVER && !isInstant(a))) return undefined;
    return { sort, lastSeen: a === NEVER ? null : a, id: Number(b) };
  }
  return undefined;
}

/** A host's activity is read newest first, by id: the last id of a page is its position. */
export function encodeActivityCursor(id: number): string {
  return encode(['activity', String(id)]);
}

export function decodeActivityCursor(text: string): number | undefined {
  const fields = fieldsOf(text);
  if (!fields || fields.length !== 2 || fields[0] !== 'activity' || !isId(fields[1])) return undefined;
  return Number(fields[1]);
}
