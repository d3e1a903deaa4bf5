// Inline checks that mirror the API's field rules, so most mistakes are caught
// before a round trip. The server still decides.
//
// LIMITS is copied from lib/domain/action-schema.ts (that module imports zod,
// too heavy for the page); a test keeps the two equal.
export const LIMITS = {
  title: 200,
  description: 20_000,
  owner: 64,
  component: 64,
  tags: 20,
  tag: 32,
  resolutionNotes: 20_000,
  note: 2_000,
} as const;

// Same patterns as lib/domain/action-schema.ts.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;
const LINE_BREAK = /[\r\n\u2028\u2029]/u;
const TAG = /^[\p{L}\p{N}][\p{L}\p{N}._:/+-]*$/u;

/** Length in code points, as the API (and PostgreSQL) count. */
export const codePoints = (value: string) => [...value].length;

export interface TextRule {
  min?: number;
  max: number;
  multiline?: boolean;
}

/** The first problem with a text field (trimmed, as the API trims), or null. */
export function checkText(raw: string, { min = 0, max, multiline = false }: TextRule): string | null {
  const v = raw.trim();
  const length = codePoints(v);
  if (length < min) return min === 1 ? 'must not be blank' : `must be at least ${min} characters`;
  if (length > max) return `must be at most ${max} characters (now ${length})`;
  if (!multiline && LINE_BREAK.test(v)) return 'must be a single line';
  if (CONTROL.test(multiline ? v.replace(/\r/g, '') : v) || (!multiline && v.includes('\t'))) return 'must not contain control characters';
  if (!v.isWellFormed()) return 'must be valid Unicode';
  return null;
}

/** Comma-separated tags, lower-cased and de-duplicated as the API stores them. */
export function parseTags(raw: string): { tags: string[]; error: string | null } {
  const tags = [...new Set(raw.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))];
  if (tags.length > LIMITS.tags) return { tags, error: `at most ${LIMITS.tags} tags (now ${tags.length})` };
  for (const tag of tags) {
    if (codePoints(tag) > LIMITS.tag) return { tags, error: `"${tag}" is longer than ${LIMITS.tag} characters` };
    if (!TAG.test(tag)) return { tags, error: `"${tag}": letters, digits and . _ : / + - only, starting with a letter or digit` };
  }
  return { tags, error: null };
}
