import { version } from '../package.json';
import { config } from '../lib/config';
import { database } from '../lib/db/database';
import { checkHealth } from '../lib/health';
import { operation } from '../lib/middleware/operation';
import { json } from '../lib/middleware/respond';
import { z } from 'zod';

const spec = {
  method: 'GET',
  path: '/health',
  summary: 'For the load balancer: 200 when the database answers and migrations are at head, 503 otherwise',
  success: { status: 200, description: 'Healthy', schema: z.object({ status: z.literal('ok') }).loose() },
  problems: [503],
} as const;

export const handler = operation(spec, async () => {
  const report = await checkHealth(database, version, config().HEALTH_TIMEOUT_MS);
  return json(report.status === 'ok' ? 200 : 503, report);
});
