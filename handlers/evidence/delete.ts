import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { database } from '../../lib/db/database';
import { deleteEvidence } from '../../lib/db/evidence';
import { operation } from '../../lib/middleware/operation';
import { noContent } from '../../lib/middleware/respond';
import { HttpProblem } from '../../lib/problems';
import { removeObjects } from '../../lib/storage/index';

const spec = {
  method: 'DELETE',
  path: '/api/v1/evidence/{id}',
  summary: 'Delete a file: its row and history event first, then its object',
  minRole: 'admin',
  params: z.strictObject({ id: ActionId }),
  success: { status: 204, description: 'Deleted' },
  problems: [404],
} as const;

export const handler = operation(spec, async ({ params, identity, requestId }) => {
  const keys = await deleteEvidence(await database(), [params.id], identity);
  if (keys.length === 0) throw new HttpProblem(404, `Evidence ${params.id} does not exist.`);
  // Objects go after their rows.
  await removeObjects(keys, requestId);
  return noContent();
});
