// Keyset cursors: the list position (priority, updated_at, id) of the last
// row of a page, opaque to clients (base64url).
import { PRIORITIES, type Priority } from '../domain/lifecycle';

export interface ListPosition {
  priority: Priority;
  updatedAt: string;
  id: number;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(p: ListPosition): string {
  return Buffer.from(`${p.priority}|${p.updatedAt}|${p.id}`, 'utf8').toString('base64url');
}

/** Undefined when the text is not a cursor this service issued. */
export function decodeCursor(text: string): ListPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const [priority, updatedAt, id, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !priority || !updatedAt || !id) return undefined;
  if (
    !(PRIORITIES as readonly string[]).includes(priority) ||
    !ISO_MS.test(updatedAt) ||
    !/^[1-9]\d{0,15}$/.test(id) ||
    Number(id) > Number.MAX_SAFE_INTEGER
  )
    return undefined;
  // Only a real instant the API could have written: Date.parse rolls 02-30 over to
  // March and takes year 0, both of which PostgreSQL refuses (22008).
  const instant = new Date(updatedAt);
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== updatedAt || updatedAt.startsWith('0000')) return undefined;
  return { priority: priority as Priority, updatedAt, id: Number(id) };
}
