import { z } from 'zod';
import { Deletion } from '../../lib/domain/action-schema';
import { listDeletions } from '../../lib/db/actions';
import { database } from '../../lib/db/database';
import { operation } from '../../lib/middleware/operation';
import { jsonText } from '../../lib/middleware/respond';

// Our extension of the contract: the record hard-deleted actions leave behind.
const spec = {
  method: 'GET',
  path: '/api/v1/deletions',
  summary: 'Who deleted which action and when, newest first',
  minRole: 'viewer',
  query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  success: { status: 200, description: 'Deletion records', schema: z.object({ items: z.array(Deletion) }) },
  problems: [400],
} as const;

export const handler = operation(spec, async ({ query }) => {
  const items = await listDeletions(await database(), query.limit);
  return jsonText(200, `{"items":${items}}`);
});
