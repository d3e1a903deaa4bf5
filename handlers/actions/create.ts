import { z } from 'zod';
import { Action, ActionFields } from '../../lib/domain/action-schema';
import { createAction } from '../../lib/db/actions';
import { database } from '../../lib/db/database';
import { etag } from '../../lib/middleware/conditional';
import { operation } from '../../lib/middleware/operation';
import { jsonText } from '../../lib/middleware/respond';

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
  problems: [400, 415],
} as const;

export const handler = operation(spec, async ({ body, identity }) => {
  const doc = await createAction(await database(), body, identity);
  return jsonText(201, doc.json, { location: `/api/v1/actions/${doc.id}`, etag: etag(doc.version) });
});
