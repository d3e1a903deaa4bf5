import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { EvidenceList } from '../../lib/domain/evidence';
import { listEvidence } from '../../lib/db/evidence';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}/evidence',
  summary: 'The files attached to an action, oldest first',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  success: { status: 200, description: 'Every file', schema: EvidenceList },
  problems: [],
} as const;

export default operation(spec, async ({ db, params }) => {
  const items = await listEvidence(db, params.id);
  if (items === undefined) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, { items });
});
