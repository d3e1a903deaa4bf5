import { z } from 'zod';
import { ChangeId } from '../../lib/domain/inventory-schema';
import { deleteChange } from '../../lib/db/changes';
import { operation } from '../../lib/operation/operation';
import { noContent } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { removeObjects } from '../../lib/storage/index';

const spec = {
  method: 'DELETE',
  path: '/api/v1/changes/{id}',
  summary:
    'Delete a change with its resources, host links, tasks and artifacts (their objects too); actions linked to it record the unlink',
  minRole: 'admin',
  params: z.strictObject({ id: ChangeId }),
  success: { status: 204, description: 'Deleted' },
  problems: [],
} as const;

export default operation(spec, async ({ db, store, log, params, identity }) => {
  const deleted = await deleteChange(db, params.id, identity);
  if (!deleted) throw new HttpProblem('not-found', `Change ${params.id} does not exist.`);
  // Objects go after their rows.
  await removeObjects(store, deleted.keys, log);
  return noContent();
});
