// Inline checks that mirror the API's field rules, so most mistakes are caught
// before a round trip. The server still decides.
//
// The limits and character rules are the API's own (lib/domain/field-rules.ts).
import { CONTROL, LIMITS, LINE_BREAK, TAG } from '../../lib/domain/field-rules';

export { LIMITS };

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
  const tags = [
    ...new Set(
      raw
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (tags.length > LIMITS.tags) return { tags, error: `at most ${LIMITS.tags} tags (now ${tags.length})` };
  for (const tag of tags) {
    if (codePoints(tag) > LIMITS.tag) return { tags, error: `"${tag}" is longer than ${LIMITS.tag} characters` };
    if (!TAG.test(tag)) return { tags, error: `"${tag}": letters, digits and . _ : / + - only, starting with a letter or digit` };
  }
  return { tags, error: null };
}
