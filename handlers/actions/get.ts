import { z } from 'zod';
import { ActionId, ActionWithEvidence } from '../../lib/domain/action-schema';
import { getAction } from '../../lib/db/actions';
import { database } from '../../lib/db/database';
import { etag } from '../../lib/middleware/conditional';
import { operation } from '../../lib/middleware/operation';
import { jsonText } from '../../lib/middleware/respond';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}',
  summary: 'One action with its evidence',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'The action', schema: ActionWithEvidence, headers: ['ETag'] },
  problems: [404],
} as const;

export const handler = operation(spec, async ({ params }) => {
  const doc = await getAction(await database(), params.id);
  if (!doc) throw new HttpProblem(404, `Action ${params.id} does not exist.`);
  return jsonText(200, doc.json, { etag: etag(doc.version) });
});
