import { z } from 'zod';
import { text } from '../../../lib/domain/action-schema';
import { ACTIVITY_OUTCOMES, HostActivity, HostId, INVENTORY_LIMITS, MANUAL_ACTIVITY_KINDS } from '../../../lib/domain/inventory-schema';
import { createHostActivity } from '../../../lib/db/hosts';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';

const reference = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const spec = {
  method: 'POST',
  path: '/api/v1/hosts/{id}/activity',
  summary: 'Record work done to a host (a patch, a reboot, …), optionally linked to an action or a change',
  minRole: 'member',
  params: z.strictObject({ id: HostId }),
  body: z.strictObject({
    kind: z.enum(MANUAL_ACTIVITY_KINDS),
    summary: text({ min: 1, max: INVENTORY_LIMITS.summary }),
    outcome: z.enum(ACTIVITY_OUTCOMES).default('succeeded'),
    action_id: reference.optional().meta({ description: 'an action this work was for' }),
    change_id: reference.optional().meta({ description: 'a change this work was part of' }),
  }),
  success: { status: 201, description: 'The recorded activity', schema: HostActivity },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, body, identity }) => {
  const outcome = await createHostActivity(db, params.id, body, identity);
  if (outcome.ok) return json(201, outcome.activity);
  switch (outcome.reason) {
    case 'host_not_found':
      throw new HttpProblem('not-found', `Host ${params.id} does not exist.`);
    case 'action_not_found':
      throw new HttpProblem('validation', `action_id: there is no action ${body.action_id}.`, {
        errors: [{ path: 'action_id', message: 'names no action' }],
      });
    case 'change_not_found':
      throw new HttpProblem('validation', `change_id: there is no change ${body.change_id}.`, {
        errors: [{ path: 'change_id', message: 'names no change' }],
      });
  }
});
