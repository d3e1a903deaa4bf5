import { z } from 'zod';
import { ActionId, History } from '../../lib/domain/action-schema';
import { actionHistory } from '../../lib/db/actions';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}/history',
  summary: 'The audit trail of an action, oldest first',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'Every event', schema: History },
  problems: [],
} as const;

export default operation(spec, async ({ db, params }) => {
  const items = await actionHistory(db, params.id);
  if (items === undefined) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, { items });
});
