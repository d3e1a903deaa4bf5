import { z } from 'zod';
import { ActionId } from '../../../lib/domain/action-schema';
import { Change } from '../../../lib/domain/inventory-schema';
import { actionChanges } from '../../../lib/db/action-links';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';

export const ActionChanges = z.object({ items: z.array(Change) });

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}/changes',
  summary: 'The changes linked to an action, newest first',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'The linked changes', schema: ActionChanges },
  problems: [],
} as const;

export default operation(spec, async ({ db, params }) => {
  const items = await actionChanges(db, params.id);
  if (!items) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, { items });
});
