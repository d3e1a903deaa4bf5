import { z } from 'zod';
import { ActionId, decimalInteger } from '../../lib/domain/action-schema';
import { RelatedChanges } from '../../lib/domain/inventory-schema';
import { relatedChanges } from '../../lib/db/changes';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/{id}/related-changes',
  summary:
    'What changed before this? Changes that started in the window before the action was opened and touched its component or its hosts, plus those linked to it; newest first',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  query: z.strictObject({
    window_hours: decimalInteger(1, 720).default(24),
    limit: decimalInteger(1, 200).default(50),
  }),
  success: { status: 200, description: 'The related changes', schema: RelatedChanges },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, query }) => {
  const related = await relatedChanges(db, params.id, { windowHours: query.window_hours, limit: query.limit });
  if (!related) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(200, related);
});
