import { z } from 'zod';
import { scrapeRefusal } from '../lib/metrics';
import { operation } from '../lib/operation/operation';
import { HttpProblem } from '../lib/problems';

// No minRole: the scraper is no user. It is public unless METRICS_TOKEN is set, and then
// it checks its own bearer token (API tokens are for the API, not for this).
const spec = {
  method: 'GET',
  path: '/metrics',
  summary:
    'Prometheus metrics (text format 0.0.4): requests by method, route template and status; actions and evidence stored ' +
    '(counted at most every METRICS_COUNTS_MAX_AGE_S); the database pool; the process. With METRICS_TOKEN set it needs ' +
    '`Authorization: Bearer <METRICS_TOKEN>`',
  headers: z.object({ authorization: z.string().optional() }),
  success: { status: 200, description: 'The Prometheus text exposition format' },
  problems: ['unauthenticated'],
} as const;

export default operation(spec, async ({ headers, event, config, metrics, log }) => {
  const refused = scrapeRefusal(event, headers.authorization, config.METRICS_TOKEN);
  if (refused) {
    log.info({ reason: refused }, 'metrics scrape refused');
    throw new HttpProblem('unauthenticated', 'GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`.', {
      headers: { 'www-authenticate': 'Bearer realm="metrics"' },
    });
  }
  if (!metrics) throw new Error('this app was built without metrics (bind operations through createApp)');
  return {
    statusCode: 200,
    headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' },
    body: await metrics.exposition(),
    isBase64Encoded: false,
  };
});
