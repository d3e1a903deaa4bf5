import { ProbeState } from '../../lib/domain/inventory-schema';
import { probeState } from '../../lib/db/probes';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

const spec = {
  method: 'GET',
  path: '/api/v1/probes',
  summary: 'The probe rounds: the last one (or the one in progress) and how often this replica offers one',
  minRole: 'viewer',
  success: { status: 200, description: 'The state of the probe rounds', schema: ProbeState },
  problems: [],
} as const;

export default operation(spec, async ({ db, config }) => json(200, await probeState(db, config.PROBE_INTERVAL_S)));
