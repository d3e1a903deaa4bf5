import { z } from 'zod';
import { version } from '../package.json';
import { checkHealth } from '../lib/health';
import { operation } from '../lib/operation/operation';
import { json } from '../lib/operation/results';

const Report = z.object({
  status: z.enum(['ok', 'error']),
  version: z.string(),
  commit: z.string().nullable(),
  draining: z.boolean(),
  failed: z.boolean(),
  database: z.object({ engine: z.string().nullable(), reachable: z.boolean(), error: z.string().optional() }),
  migrations: z.object({ applied: z.number().int().nullable(), head: z.number().int() }),
});

const spec = {
  method: 'GET',
  path: '/health',
  summary: 'For the load balancer: 200 when the database answers, migrations are at head and the process is not draining; 503 otherwise',
  query: z.record(z.string(), z.string()),
  success: { status: 200, description: 'Healthy', schema: Report },
  alternatives: [{ status: 503, description: 'Not fit for traffic: the same report says why', schema: Report }],
  problems: [],
} as const;

export default operation(spec, async ({ db, health, config }) => {
  const report = await checkHealth(db, health, { version, commit: config.COMMIT_SHA ?? null }, config.HEALTH_TIMEOUT_MS);
  return json(report.status === 'ok' ? 200 : 503, report);
});
