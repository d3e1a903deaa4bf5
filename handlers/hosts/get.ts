import { z } from 'zod';
import { Host, HostId } from '../../lib/domain/inventory-schema';
import { getHost } from '../../lib/db/hosts';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/hosts/{id}',
  summary: 'One host',
  minRole: 'viewer',
  params: z.strictObject({ id: HostId }),
  success: { status: 200, description: 'The host', schema: Host, headers: ['ETag'] },
  problems: [],
} as const;

export default operation(spec, async ({ db, params }) => {
  const host = await getHost(db, params.id);
  if (!host) throw new HttpProblem('not-found', `Host ${params.id} does not exist.`);
  return json(200, host, { etag: etag(host.version) });
});
