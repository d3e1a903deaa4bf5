import { z } from 'zod';
import { decimalInteger, Deletion } from '../../lib/domain/action-schema';
import { listDeletions } from '../../lib/db/actions';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

// Our extension of the contract: the record hard-deleted actions leave behind.
const spec = {
  method: 'GET',
  path: '/api/v1/deletions',
  summary: 'Who deleted which action and when, newest first',
  minRole: 'viewer',
  query: z.strictObject({ limit: decimalInteger(1, 500).default(100) }),
  success: { status: 200, description: 'Deletion records', schema: z.object({ items: z.array(Deletion) }) },
  problems: [],
} as const;

export default operation(spec, async ({ db, query }) => json(200, { items: await listDeletions(db, query.limit) }));
