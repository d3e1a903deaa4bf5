import { z } from 'zod';
import { ActionId } from '../../../lib/domain/action-schema';
import { HostId } from '../../../lib/domain/inventory-schema';
import { unlinkHost } from '../../../lib/db/action-links';
import { operation } from '../../../lib/operation/operation';
import { noContent } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';

const spec = {
  method: 'DELETE',
  path: '/api/v1/actions/{id}/hosts/{host_id}',
  summary: 'Take a host off an action (a host_unlinked event and a new version)',
  minRole: 'member',
  params: z.strictObject({ id: ActionId, host_id: HostId }),
  success: { status: 204, description: 'Unlinked' },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, identity }) => {
  const outcome = await unlinkHost(db, params.id, params.host_id, identity);
  if (outcome.ok) return noContent();
  switch (outcome.reason) {
    case 'action_not_found':
      throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
    case 'target_not_found':
      throw new HttpProblem('not-found', `Host ${params.host_id} does not exist.`);
    case 'not_linked':
      throw new HttpProblem('not-found', `Host ${params.host_id} is not linked to action ${params.id}.`);
  }
});
