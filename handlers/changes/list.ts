import { z } from 'zod';
import { decimalInteger, text } from '../../lib/domain/action-schema';
import {
  buildId,
  CHANGE_OUTCOMES,
  ChangeList,
  commaListOf,
  commitSha,
  HostId,
  instant,
  INVENTORY_LIMITS,
  SOURCES,
} from '../../lib/domain/inventory-schema';
import { decodeChangeCursor, listChanges } from '../../lib/db/changes';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

const spec = {
  method: 'GET',
  path: '/api/v1/changes',
  summary: 'List changes, newest start first; filters combine; keyset paging; a page stops early at its byte budget',
  minRole: 'viewer',
  query: z.strictObject({
    source: commaListOf(SOURCES).optional(),
    environment: text({ min: 1, max: INVENTORY_LIMITS.environment }).optional(),
    component: text({ min: 1, max: INVENTORY_LIMITS.component }).optional(),
    outcome: commaListOf(CHANGE_OUTCOMES).optional(),
    commit_sha: commitSha.optional(),
    build_id: buildId.optional(),
    host_id: HostId.optional().meta({ description: 'changes that reached this host' }),
    since: instant.optional().meta({ description: 'started at or after this instant' }),
    until: instant.optional().meta({ description: 'started before this instant' }),
    q: text({ max: 200 }).optional().meta({ description: 'a case-insensitive part of the title, or the start of a commit SHA' }),
    limit: decimalInteger(1, 200).default(50),
    cursor: z
      .string()
      .transform((v, ctx) => decodeChangeCursor(v) ?? (ctx.addIssue({ code: 'custom', message: 'is not a cursor from this API' }), z.NEVER))
      .optional(),
  }),
  success: { status: 200, description: 'One page of changes', schema: ChangeList },
  problems: [],
} as const;

export default operation(spec, async ({ db, config, query }) => {
  const page = await listChanges(db, {
    source: query.source,
    environment: query.environment,
    component: query.component,
    outcome: query.outcome,
    commitSha: query.commit_sha,
    buildId: query.build_id,
    hostId: query.host_id,
    since: query.since,
    until: query.until,
    q: query.q || undefined,
    limit: query.limit,
    after: query.cursor,
    maxBytes: config.LIST_PAGE_MAX_BYTES,
  });
  return json(200, page);
});
