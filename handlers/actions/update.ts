import { z } from 'zod';
import { Action, ActionFields, ActionId } from '../../lib/domain/action-schema';
import { updateAction } from '../../lib/db/actions';
import { database } from '../../lib/db/database';
import { expectedVersion } from '../../lib/middleware/conditional';
import { operation } from '../../lib/middleware/operation';
import { actionWriteResult } from '../../lib/middleware/respond';

const spec = {
  method: 'PATCH',
  path: '/api/v1/actions/{id}',
  summary: 'Edit fields of an action; If-Match makes it conditional. Status changes go through /status.',
  minRole: 'member',
  params: z.strictObject({ id: ActionId }),
  body: z
    .strictObject({
      title: ActionFields.title.optional(),
      description: ActionFields.description.optional(),
      priority: ActionFields.priority.optional(),
      owner: ActionFields.owner.optional(),
      component: ActionFields.component.optional(),
      tags: ActionFields.tags.optional(),
    })
    .refine((edit) => Object.keys(edit).length > 0, 'name at least one field to change'),
  success: { status: 200, description: 'The action after the edit', schema: Action, headers: ['ETag'] },
  problems: [400, 404, 412, 415],
} as const;

export const handler = operation(spec, async ({ params, body, identity, event }) => {
  const outcome = await updateAction(await database(), params.id, body, identity, expectedVersion(event));
  return actionWriteResult(outcome, params.id);
});
