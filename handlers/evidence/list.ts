import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { EvidenceList } from '../../lib/domain/evidence';
import { database } from '../../lib/db/database';
import { listEvidence } from '../../lib/db/evidence';
import { operation } from '../../lib/middleware/operation';
import { jsonText } from '../../lib/middleware/respond';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}/evidence',
  summary: 'The files attached to an action, oldest first',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'Every file', schema: EvidenceList },
  problems: [404],
} as const;

export const handler = operation(spec, async ({ params }) => {
  const items = await listEvidence(await database(), params.id);
  if (items === undefined) throw new HttpProblem(404, `Action ${params.id} does not exist.`);
  return jsonText(200, `{"items":${items}}`);
});
