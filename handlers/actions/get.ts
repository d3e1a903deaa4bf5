import { z } from 'zod';
import { ActionId, ActionWithEvidence } from '../../lib/domain/action-schema';
import { getAction } from '../../lib/db/actions';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}',
  summary: 'One action with its evidence',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'The action', schema: ActionWithEvidence, headers: ['ETag'] },
  problems: [],
} as const;

export default operation(spec, async ({ db, params }) => {
  const action = await getAction(db, params.id);
  if (!action) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, action, { etag: etag(action.version) });
});
