import { z } from 'zod';
import { ActionId, History } from '../../lib/domain/action-schema';
import { actionHistory } from '../../lib/db/actions';
import { database } from '../../lib/db/database';
import { operation } from '../../lib/middleware/operation';
import { jsonText } from '../../lib/middleware/respond';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}/history',
  summary: 'The audit trail of an action, oldest first',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'Every event', schema: History },
  problems: [404],
} as const;

export const handler = operation(spec, async ({ params }) => {
  const items = await actionHistory(await database(), params.id);
  if (items === undefined) throw new HttpProblem(404, `Action ${params.id} does not exist.`);
  return jsonText(200, `{"items":${items}}`);
});
