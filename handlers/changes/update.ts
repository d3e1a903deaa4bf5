import { z } from 'zod';
import { Change, ChangeFields, ChangeId } from '../../lib/domain/inventory-schema';
import { updateChange } from '../../lib/db/changes';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { conditionalHeaders } from '../../lib/operation/conditional';

const spec = {
  method: 'PATCH',
  path: '/api/v1/changes/{id}',
  summary: 'Edit what a change says of itself (title, description, outcome, started and finished); If-Match makes it conditional',
  minRole: 'member',
  params: z.strictObject({ id: ChangeId }),
  headers: conditionalHeaders,
  body: z
    .strictObject({
      title: ChangeFields.title.optional(),
      description: ChangeFields.description.optional(),
      outcome: ChangeFields.outcome.optional(),
      started_at: ChangeFields.started_at.optional(),
      finished_at: ChangeFields.finished_at.optional(),
    })
    .refine((edit) => Object.keys(edit).length > 0, 'name at least one field to change'),
  success: { status: 200, description: 'The change after the edit', schema: Change, headers: ['ETag'] },
  problems: ['stale-version'],
} as const;

export default operation(spec, async ({ db, params, headers, body, identity }) => {
  const outcome = await updateChange(db, params.id, body, identity, headers['if-match']);
  if (outcome.ok) return json(200, outcome.change, { etag: etag(outcome.change.version) });
  switch (outcome.reason) {
    case 'not_found':
      throw new HttpProblem('not-found', `Change ${params.id} does not exist.`);
    case 'stale':
      throw new HttpProblem('stale-version', `Change ${params.id} is at version ${outcome.version}; reload it and try again.`, {
        headers: { etag: etag(outcome.version) },
      });
    case 'finished_before_start':
      throw new HttpProblem('validation', 'finished_at: must not be before started_at', {
        errors: [{ path: 'finished_at', message: 'must not be before started_at' }],
      });
  }
});
