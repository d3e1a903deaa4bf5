import { z } from 'zod';
import { ActionFilterQuery, ActionList, decimalInteger } from '../../lib/domain/action-schema';
import { listActions } from '../../lib/db/actions';
import { decodeCursor } from '../../lib/db/cursor';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

const spec = {
  method: 'GET',
  path: '/api/v1/actions',
  summary: 'List actions: priority first, then latest update; filters combine; keyset paging; a page stops early at its byte budget',
  minRole: 'viewer',
  query: z.strictObject({
    ...ActionFilterQuery,
    limit: decimalInteger(1, 200).default(50),
    // A cursor is only ever one this API issued: checked in full here, so that no
    // value the database would refuse (a 30th of February) reaches it.
    cursor: z
      .string()
      .transform((v, ctx) => decodeCursor(v) ?? (ctx.addIssue({ code: 'custom', message: 'is not a cursor from this API' }), z.NEVER))
      .optional(),
  }),
  success: { status: 200, description: 'One page of actions', schema: ActionList },
  problems: [],
} as const;

export default operation(spec, async ({ db, config, query }) => {
  const page = await listActions(db, {
    status: query.status,
    priority: query.priority,
    owner: query.owner,
    component: query.component,
    tag: query.tag,
    q: query.q || undefined,
    includeClosed: query.include_closed,
    limit: query.limit,
    after: query.cursor,
    maxBytes: config.LIST_PAGE_MAX_BYTES,
  });
  return json(200, page);
});
