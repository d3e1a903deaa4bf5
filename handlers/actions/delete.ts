import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { deleteAction } from '../../lib/db/actions';
import { operation } from '../../lib/operation/operation';
import { noContent } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { removeObjects } from '../../lib/storage/index';

const spec = {
  method: 'DELETE',
  path: '/api/v1/actions/{id}',
  summary: 'Hard-delete an action and its evidence files; a deletion record keeps who, when, its last state and history',
  minRole: 'admin',
  params: z.strictObject({ id: ActionId }),
  success: { status: 204, description: 'Deleted' },
  problems: [],
} as const;

export default operation(spec, async ({ db, store, log, params, identity }) => {
  const deleted = await deleteAction(db, params.id, identity);
  if (!deleted) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  // Objects go after their rows.
  await removeObjects(store, deleted.keys, log);
  return noContent();
});
