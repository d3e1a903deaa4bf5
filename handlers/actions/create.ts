import { z } from 'zod';
import { Action, ActionFields } from '../../lib/domain/action-schema';
import { createAction } from '../../lib/db/actions';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';

const spec = {
  method: 'POST',
  path: '/api/v1/actions',
  summary: 'Create an action (status open, version 1)',
  minRole: 'member',
  body: z.strictObject({
    title: ActionFields.title,
    description: ActionFields.description.optional(),
    priority: ActionFields.priority.default('medium'),
    owner: ActionFields.owner.optional(),
    component: ActionFields.component.optional(),
    tags: ActionFields.tags.default([]),
  }),
  success: { status: 201, description: 'The new action', schema: Action, headers: ['Location', 'ETag'] },
  problems: [],
} as const;

export default operation(spec, async ({ db, body, identity }) => {
  const action = await createAction(db, body, identity);
  return json(201, action, { location: `/api/v1/actions/${action.id}`, etag: etag(action.version) });
});
