import { z } from 'zod';
import { HostId } from '../../lib/domain/inventory-schema';
import { deleteHost } from '../../lib/db/hosts';
import { operation } from '../../lib/operation/operation';
import { noContent } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'DELETE',
  path: '/api/v1/hosts/{id}',
  summary: 'Delete a host and its activity; its links to actions go (recorded on each action), changes keep its name',
  minRole: 'admin',
  params: z.strictObject({ id: HostId }),
  success: { status: 204, description: 'Deleted' },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, identity }) => {
  if (!(await deleteHost(db, params.id, identity))) throw new HttpProblem('not-found', `Host ${params.id} does not exist.`);
  return noContent();
});
