import { z } from 'zod';
import { ActionId } from '../../../lib/domain/action-schema';
import { Host } from '../../../lib/domain/inventory-schema';
import { actionHosts } from '../../../lib/db/action-links';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';

export const ActionHosts = z.object({ items: z.array(Host) });

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}/hosts',
  summary: 'The hosts linked to an action, by name',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'The linked hosts', schema: ActionHosts },
  problems: [],
} as const;

export default operation(spec, async ({ db, params }) => {
  const items = await actionHosts(db, params.id);
  if (!items) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, { items });
});
