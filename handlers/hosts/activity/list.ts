import { z } from 'zod';
import { decimalInteger } from '../../../lib/domain/action-schema';
import { HostActivityList, HostId } from '../../../lib/domain/inventory-schema';
import { decodeActivityCursor } from '../../../lib/db/host-cursor';
import { listHostActivity } from '../../../lib/db/hosts';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/hosts/{id}/activity',
  summary: 'The work done to a host and its status changes, newest first; keyset paging',
  minRole: 'viewer',
  params: z.strictObject({ id: HostId }),
  query: z.strictObject({
    limit: decimalInteger(1, 200).default(50),
    cursor: z
      .string()
      .transform(
        (v, ctx) => decodeActivityCursor(v) ?? (ctx.addIssue({ code: 'custom', message: 'is not a cursor from this API' }), z.NEVER),
      )
      .optional(),
  }),
  success: { status: 200, description: 'One page of activity', schema: HostActivityList },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, query }) => {
  const page = await listHostActivity(db, params.id, { limit: query.limit, before: query.cursor });
  if (!page) throw new HttpProblem('not-found', `Host ${params.id} does not exist.`);
  return json(200, page);
});
