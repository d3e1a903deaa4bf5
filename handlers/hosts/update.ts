import { z } from 'zod';
import { Host, HostFields, HostId } from '../../lib/domain/inventory-schema';
import { updateHost } from '../../lib/db/hosts';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { conditionalHeaders } from '../../lib/operation/conditional';

const spec = {
  method: 'PATCH',
  path: '/api/v1/hosts/{id}',
  summary: 'Edit fields of a host; If-Match makes it conditional. A status set by hand is recorded as activity.',
  minRole: 'member',
  params: z.strictObject({ id: HostId }),
  headers: conditionalHeaders,
  body: z
    .strictObject({
      hostname: HostFields.hostname.optional(),
      ip_addresses: HostFields.ip_addresses.optional(),
      os: HostFields.os.optional(),
      environment: HostFields.environment.optional(),
      component: HostFields.component.optional(),
      tags: HostFields.tags.optional(),
      instance_id: HostFields.instance_id.optional(),
      status: HostFields.status.optional(),
      probe_port: HostFields.probe_port.optional(),
    })
    .refine((edit) => Object.keys(edit).length > 0, 'name at least one field to change'),
  success: { status: 200, description: 'The host after the edit', schema: Host, headers: ['ETag'] },
  problems: ['stale-version', 'already-exists'],
} as const;

export default operation(spec, async ({ db, params, headers, body, identity }) => {
  const outcome = await updateHost(db, params.id, body, identity, headers['if-match']);
  if (outcome.ok) return json(200, outcome.host, { etag: etag(outcome.host.version) });
  switch (outcome.reason) {
    case 'not_found':
      throw new HttpProblem('not-found', `Host ${params.id} does not exist.`);
    case 'stale':
      throw new HttpProblem('stale-version', `Host ${params.id} is at version ${outcome.version}; reload it and try again.`, {
        headers: { etag: etag(outcome.version) },
      });
    case 'duplicate':
      throw new HttpProblem('already-exists', `Another host is named ${body.hostname} (host names are unique whatever their case).`);
  }
});
