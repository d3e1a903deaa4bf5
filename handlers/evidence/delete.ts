import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { deleteEvidence } from '../../lib/db/evidence';
import { operation } from '../../lib/operation/operation';
import { noContent } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { removeObjects } from '../../lib/storage/index';

const spec = {
  method: 'DELETE',
  path: '/api/v1/evidence/{id}',
  summary: 'Delete a file: its row and history event first, then its object',
  minRole: 'admin',
  params: z.strictObject({ id: ActionId }),
  success: { status: 204, description: 'Deleted' },
  problems: [],
} as const;

export default operation(spec, async ({ db, store, log, params, identity }) => {
  const keys = await deleteEvidence(db, [params.id], identity);
  if (keys.length === 0) throw new HttpProblem('not-found', `Evidence ${params.id} does not exist.`);
  // Objects go after their rows.
  await removeObjects(store, keys, log);
  return noContent();
});
