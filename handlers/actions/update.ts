import { z } from 'zod';
import { Action, ActionFields, ActionId } from '../../lib/domain/action-schema';
import { updateAction } from '../../lib/db/actions';
import { operation } from '../../lib/operation/operation';
import { conditionalHeaders } from '../../lib/operation/conditional';
import { actionWriteAnswer } from './write-answer';

const spec = {
  method: 'PATCH',
  path: '/api/v1/actions/{id}',
  summary: 'Edit fields of an action; If-Match makes it conditional. Status changes go through /status.',
  minRole: 'member',
  params: z.strictObject({ id: ActionId }),
  headers: conditionalHeaders,
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
  problems: ['stale-version'],
} as const;

export default operation(spec, async ({ db, params, headers, body, identity }) => {
  const outcome = await updateAction(db, params.id, body, identity, headers['if-match']);
  return actionWriteAnswer(outcome, params.id);
});
