import { z } from 'zod';
import { decimalInteger, tag, text } from '../../lib/domain/action-schema';
import { HOST_STATUSES, HostList, INVENTORY_LIMITS } from '../../lib/domain/inventory-schema';
import { decodeHostCursor, HOST_SORTS } from '../../lib/db/host-cursor';
import { listHosts } from '../../lib/db/hosts';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

const statuses = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(HOST_STATUSES)).min(1, `one or more of ${HOST_STATUSES.join(', ')}`))
  .meta({ description: `comma-separated: ${HOST_STATUSES.join(', ')}` });

const spec = {
  method: 'GET',
  path: '/api/v1/hosts',
  summary: 'List hosts by name or by last seen; filters combine; keyset paging; retired hosts only when asked for',
  minRole: 'viewer',
  query: z
    .strictObject({
      status: statuses.optional(),
      environment: text({ min: 1, max: INVENTORY_LIMITS.environment }).optional(),
      component: text({ min: 1, max: INVENTORY_LIMITS.component }).optional(),
      tag: tag.optional(),
      q: text({ max: INVENTORY_LIMITS.hostname })
        .optional()
        .meta({ description: 'a piece of the host name (any case), or exactly an IP address or an instance id' }),
      include_retired: z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true'),
      sort: z
        .enum(HOST_SORTS)
        .default('hostname')
        .meta({ description: 'hostname (A–Z, any case) or last_seen (newest first, never seen last)' }),
      limit: decimalInteger(1, 200).default(50),
      // Checked in full here, like the actions' cursor: no value the database would refuse reaches it.
      cursor: z
        .string()
        .transform((v, ctx) => decodeHostCursor(v) ?? (ctx.addIssue({ code: 'custom', message: 'is not a cursor from this API' }), z.NEVER))
        .optional(),
    })
    .superRefine((q, ctx) => {
      if (q.cursor && q.cursor.sort !== q.sort)
        ctx.addIssue({ code: 'custom', path: ['cursor'], message: `is a cursor of sort=${q.cursor.sort}, not of sort=${q.sort}` });
    }),
  success: { status: 200, description: 'One page of hosts', schema: HostList },
  problems: [],
} as const;

export default operation(spec, async ({ db, query }) => {
  const page = await listHosts(db, {
    status: query.status,
    environment: query.environment,
    component: query.component,
    tag: query.tag,
    q: query.q || undefined,
    includeRetired: query.include_retired,
    sort: query.sort,
    limit: query.limit,
    after: query.cursor,
  });
  return json(200, page);
});
