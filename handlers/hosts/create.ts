import { z } from 'zod';
import { Host, HostFields } from '../../lib/domain/inventory-schema';
import { createHost } from '../../lib/db/hosts';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'POST',
  path: '/api/v1/hosts',
  summary: 'Add a host to the inventory by hand (source manual unless said, status unknown until probed)',
  minRole: 'member',
  body: z.strictObject({
    hostname: HostFields.hostname,
    ip_addresses: HostFields.ip_addresses.default([]),
    os: HostFields.os.optional(),
    environment: HostFields.environment.optional(),
    component: HostFields.component.optional(),
    tags: HostFields.tags.default([]),
    instance_id: HostFields.instance_id.optional(),
    source: HostFields.source.default('manual'),
    status: HostFields.status.default('unknown'),
    probe_port: HostFields.probe_port.optional(),
  }),
  success: { status: 201, description: 'The new host', schema: Host, headers: ['Location', 'ETag'] },
  problems: ['already-exists'],
} as const;

export default operation(spec, async ({ db, body, identity }) => {
  const host = await createHost(db, body, identity);
  if (!host) throw new HttpProblem('already-exists', `A host named ${body.hostname} exists (host names are unique whatever their case).`);
  return json(201, host, { location: `/api/v1/hosts/${host.id}`, etag: etag(host.version) });
});
