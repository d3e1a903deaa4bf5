import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { deleteAction } from '../../lib/db/actions';
import { database } from '../../lib/db/database';
import { operation } from '../../lib/middleware/operation';
import { noContent } from '../../lib/middleware/respond';
import { HttpProblem } from '../../lib/problems';
import { removeObjects } from '../../lib/storage/index';

const spec = {
  method: 'DELETE',
  path: '/api/v1/actions/{id}',
  summary: 'Hard-delete an action and its evidence files; a deletion record keeps who, when, its last state and history',
  minRole: 'admin',
  params: z.strictObject({ id: ActionId }),
  success: { status: 204, description: 'Deleted' },
  problems: [404],
} as const;

export const handler = operation(spec, async ({ params, identity, requestId }) => {
  const deleted = await deleteAction(await database(), params.id, identity);
  if (!deleted) throw new HttpProblem(404, `Action ${params.id} does not exist.`);
  // Objects go after their rows.
  await removeObjects(deleted.keys, requestId);
  return noContent();
});
