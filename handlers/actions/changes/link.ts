import { z } from 'zod';
import { ActionId } from '../../../lib/domain/action-schema';
import { ChangeId } from '../../../lib/domain/inventory-schema';
import { actionChanges, linkChange } from '../../../lib/db/action-links';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';
import { ActionChanges } from './list';

const spec = {
  method: 'PUT',
  path: '/api/v1/actions/{id}/changes/{change_id}',
  summary: 'Link a change to an action (a change_linked event and a new version); linking it again changes nothing',
  minRole: 'member',
  params: z.strictObject({ id: ActionId, change_id: ChangeId }),
  success: { status: 200, description: 'The changes linked to the action now', schema: ActionChanges },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, identity }) => {
  const outcome = await linkChange(db, params.id, params.change_id, identity);
  if (!outcome.ok && outcome.reason === 'action_not_found') throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  if (!outcome.ok) throw new HttpProblem('not-found', `Change ${params.change_id} does not exist.`);
  const items = await actionChanges(db, params.id);
  // Deleted in between: the link went with it.
  if (!items) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, { items });
});
