import { z } from 'zod';
import { buildId, Change, ChangeFields, commitSha, HostFields } from '../../lib/domain/inventory-schema';
import { createChange } from '../../lib/db/changes';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'POST',
  path: '/api/v1/changes',
  summary: 'Record a change by hand (source manual); commit_sha or build_id make it the change of that correlation key',
  minRole: 'member',
  body: z.strictObject({
    title: ChangeFields.title,
    environment: HostFields.environment.optional(),
    component: HostFields.component.optional(),
    commit_sha: z.union([z.null(), commitSha]).optional(),
    build_id: z.union([z.null(), buildId]).optional(),
    started_at: ChangeFields.started_at.optional(),
    finished_at: ChangeFields.finished_at.optional(),
    outcome: ChangeFields.outcome.default('succeeded'),
    description: ChangeFields.description.optional(),
    host_ids: z
      .array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER))
      .max(500, 'at most 500 hosts')
      .default([])
      .meta({ description: 'Hosts the change reached (linked without stats)' }),
  }),
  success: { status: 201, description: 'The new change', schema: Change, headers: ['Location', 'ETag'] },
  problems: ['already-exists'],
} as const;

export default operation(spec, async ({ db, body, identity }) => {
  const startedAt = body.started_at ?? new Date().toISOString();
  if (body.finished_at && body.finished_at < startedAt) {
    throw new HttpProblem('validation', 'finished_at: must not be before started_at', {
      errors: [{ path: 'finished_at', message: 'must not be before started_at' }],
    });
  }
  const outcome = await createChange(
    db,
    {
      title: body.title,
      environment: body.environment ?? null,
      component: body.component ?? null,
      commitSha: body.commit_sha ?? null,
      buildId: body.build_id ?? null,
      startedAt,
      finishedAt: body.finished_at ?? null,
      outcome: body.outcome,
      description: body.description ?? null,
      hostIds: body.host_ids,
    },
    identity,
  );
  if (!outcome.ok && outcome.reason === 'duplicate') {
    throw new HttpProblem('already-exists', 'A change with this environment, component, commit_sha and build_id already exists.');
  }
  if (!outcome.ok) {
    const message = `names no host: ${outcome.hostIds.join(', ')}`;
    throw new HttpProblem('validation', `host_ids: ${message}`, { errors: [{ path: 'host_ids', message }] });
  }
  const { change } = outcome;
  return json(201, change, { location: `/api/v1/changes/${change.id}`, etag: etag(change.version) });
});
