import { z } from 'zod';
import { ChangeDetail, ChangeId } from '../../lib/domain/inventory-schema';
import { getChange } from '../../lib/db/changes';
import { operation } from '../../lib/operation/operation';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/changes/{id}',
  summary: 'One change with the resources it touched, the hosts it reached, its Ansible task outcomes and its raw artifacts',
  minRole: 'viewer',
  params: z.strictObject({ id: ChangeId }),
  success: { status: 200, description: 'The change', schema: ChangeDetail, headers: ['ETag'] },
  problems: [],
} as const;

export default operation(spec, async ({ db, params }) => {
  const change = await getChange(db, params.id);
  if (!change) throw new HttpProblem('not-found', `Change ${params.id} does not exist.`);
  return json(200, change, { etag: etag(change.version) });
});
