import { z } from 'zod';
import { ActionId } from '../../../lib/domain/action-schema';
import { HostId } from '../../../lib/domain/inventory-schema';
import { actionHosts, linkHost } from '../../../lib/db/action-links';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';
import { ActionHosts } from './list';

const spec = {
  method: 'PUT',
  path: '/api/v1/actions/{id}/hosts/{host_id}',
  summary: 'Link a host to an action (a host_linked event and a new version); linking it again changes nothing',
  minRole: 'member',
  params: z.strictObject({ id: ActionId, host_id: HostId }),
  success: { status: 200, description: 'The hosts linked to the action now', schema: ActionHosts },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, identity }) => {
  const outcome = await linkHost(db, params.id, params.host_id, identity);
  if (!outcome.ok && outcome.reason === 'action_not_found') throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  if (!outcome.ok) throw new HttpProblem('not-found', `Host ${params.host_id} does not exist.`);
  const items = await actionHosts(db, params.id);
  // Deleted in between: the link went with it.
  if (!items) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, { items });
});
