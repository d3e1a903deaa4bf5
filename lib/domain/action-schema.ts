// Field rules of an action (the contract's limits) and the shapes the API
// returns. Handlers build their input schemas from these; the OpenAPI document
// is generated from the same objects.
import { z } from 'zod';
import { PRIORITIES, STATUSES } from './lifecycle';
import { BIDI_CONTROL, CONTROL, isBlank, LIMITS, LINE_BREAK, TAG } from './field-rules';
import { IDENTIFIED_BY, ROLES } from './roles';

export { LIMITS } from './field-rules';

/** Length in code points, as PostgreSQL's char_length counts. */
export function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

interface TextRule {
  min?: number;
  max: number;
  multiline?: boolean;
}

/**
 * A trimmed text field measured in characters (code points), without control
 * characters, and never made of invisible characters alone (an empty string is
 * not that: it is what clears a clearable field). A one-line field refuses the
 * bidi controls that reorder what is shown.
 */
export function text({ min = 0, max, multiline = false }: TextRule) {
  return z
    .string()
    .transform((v) => v.trim())
    .superRefine((v, ctx) => {
      const length = codePoints(v);
      if (length < min) ctx.addIssue({ code: 'custom', message: min === 1 ? 'must not be blank' : `must be at least ${min} characters` });
      else if (length > 0 && isBlank(v)) ctx.addIssue({ code: 'custom', message: 'must not be blank: it holds only invisible characters' });
      if (!multiline && BIDI_CONTROL.test(v)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must not contain bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069)',
        });
      }
      if (length > max) ctx.addIssue({ code: 'custom', message: `must be at most ${max} characters` });
      if (CONTROL.test(multiline ? v.replace(/\r/g, '') : v) || (!multiline && v.includes('\t'))) {
        ctx.addIssue({ code: 'custom', message: 'must not contain control characters' });
      }
      // A lone surrogate cannot be stored as UTF-8; it would come back as U+FFFD.
      if (!v.isWellFormed()) ctx.addIssue({ code: 'custom', message: 'must be valid Unicode' });
      if (!multiline && LINE_BREAK.test(v)) ctx.addIssue({ code: 'custom', message: 'must be a single line' });
    })
    .meta({ description: `${min ? `${min}–` : 'up to '}${max} characters${multiline ? '' : ', one line'}` });
}

/** Optional text where null or an empty string clears the field. */
function clearable(rule: TextRule) {
  return z.union([z.null(), text(rule)]).transform((v) => (v === '' ? null : v));
}

export const tag = text({ min: 1, max: LIMITS.tag })
  .transform((v) => v.toLowerCase())
  .refine((v) => TAG.test(v), 'letters, digits and . _ : / + - only, starting with a letter or digit');

export const ActionFields = {
  title: text({ min: 1, max: LIMITS.title }),
  description: clearable({ max: LIMITS.description, multiline: true }),
  priority: z.enum(PRIORITIES),
  owner: clearable({ max: LIMITS.owner }),
  component: clearable({ max: LIMITS.component }),
  // Tags are lower-cased and de-duplicated, first occurrence kept.
  tags: z
    .array(tag)
    .max(LIMITS.tags, `at most ${LIMITS.tags} tags`)
    .transform((tags) => [...new Set(tags)]),
};

export const resolutionNotes = text({ max: LIMITS.resolutionNotes, multiline: true });
export const eventNote = text({ max: LIMITS.note, multiline: true });

/**
 * An integer query parameter in decimal digits only: `0x10`, `1e2`, `+5`,
 * `5.0` or ` 5` are refused rather than read as some number.
 */
export const decimalInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,15}$/, 'must be an integer in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .meta({ description: `${min}–${max}, decimal digits` });

// Canonical decimal only: `1e0`, `0x1`, `1.0` or `01` would be other names for action 1.
/** A path id: decimal digits only (`0x10`, `1e2`, `+1` and `01` name nothing). */
export const PathId = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().max(Number.MAX_SAFE_INTEGER, 'must be a positive integer'));

export const ActionId = PathId;

const commaList = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).min(1, `one or more of ${values.join(', ')}`))
    .meta({ description: `comma-separated: ${values.join(', ')}` });

/** The filters of the list, which the facets take too (query parameters). */
export const ActionFilterQuery = {
  status: commaList(STATUSES).optional(),
  priority: commaList(PRIORITIES).optional(),
  owner: text({ min: 1, max: LIMITS.owner }).optional(),
  component: text({ min: 1, max: LIMITS.component }).optional(),
  tag: tag.optional(),
  q: text({ max: 500 }).optional().meta({ description: 'web-search syntax: words ANDed, "phrases", -excluded' }),
  include_closed: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
};

// ---------------------------------------------------------------- responses

const timestamp = z.iso.datetime();

export const Evidence = z.object({
  id: z.number().int(),
  action_id: z.number().int(),
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int(),
  sha256: z.string(),
  uploaded_by: z.string(),
  uploaded_at: timestamp,
});

export const Action = z.object({
  id: z.number().int(),
  key: z.string().meta({ example: 'ACT-42' }),
  title: z.string(),
  description: z.string().nullable(),
  priority: z.enum(PRIORITIES),
  status: z.enum(STATUSES),
  owner: z.string().nullable(),
  component: z.string().nullable(),
  tags: z.array(z.string()),
  resolution_notes: z.string().nullable(),
  created_by: z.string(),
  created_at: timestamp,
  updated_by: z.string(),
  updated_at: timestamp,
  resolved_by: z.string().nullable(),
  resolved_at: timestamp.nullable(),
  closed_by: z.string().nullable(),
  closed_at: timestamp.nullable(),
  version: z.number().int(),
  evidence_count: z.number().int(),
});

export const ActionWithEvidence = Action.extend({ evidence: z.array(Evidence) });

export const ActionList = z.object({ items: z.array(Action), next_cursor: z.string().nullable() });

const FacetValues = z.array(z.object({ value: z.string(), count: z.number().int() }));

export const ActionFacets = z.object({
  total: z.number().int().meta({ description: 'Actions matching every filter' }),
  approximate: z.boolean().meta({ description: 'The figures are estimates from a sample (more than 10,000 actions matched)' }),
  status: z
    .object(Object.fromEntries(STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof STATUSES)[number], z.ZodNumber>)
    .meta({ description: 'Under every filter except status and include_closed' }),
  priority: z.object(Object.fromEntries(PRIORITIES.map((p) => [p, z.number().int()])) as Record<(typeof PRIORITIES)[number], z.ZodNumber>),
  owner: FacetValues.meta({ description: 'The 50 most frequent, most first' }),
  component: FacetValues,
  tag: FacetValues,
});

export const EVENT_KINDS = [
  'created',
  'updated',
  'status_changed',
  'evidence_added',
  'evidence_deleted',
  'host_linked',
  'host_unlinked',
  'change_linked',
  'change_unlinked',
] as const;

export const HistoryEvent = z.object({
  id: z.number().int(),
  action_id: z.number().int(),
  at: timestamp,
  actor: z.string(),
  role: z.enum(ROLES),
  kind: z.enum(EVENT_KINDS),
  from_status: z.enum(STATUSES).nullable(),
  to_status: z.enum(STATUSES).nullable(),
  changes: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])).nullable(),
  note: z.string().nullable(),
});

export const History = z.object({ items: z.array(HistoryEvent) });

export const Deletion = z.object({
  id: z.number().int(),
  action_id: z.number().int(),
  key: z.string(),
  title: z.string(),
  deleted_by: z.string(),
  role: z.enum(ROLES),
  deleted_at: timestamp,
});

/** Who the identity says the caller is (GET /api/v1/me). */
export const Me = z.object({
  user: z.string(),
  role: z.enum(ROLES),
  identified_by: z.enum(IDENTIFIED_BY).meta({
    description: 'headers (X-User / X-Role, unverified), proxy (the same, vouched for by X-Proxy-Secret), oidc (the ALB sign-in) or token',
  }),
});

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string(),
  request_id: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
