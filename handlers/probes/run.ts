import { ProbeRound } from '../../lib/domain/inventory-schema';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { runProbeRound } from '../../lib/probes/round';

const spec = {
  method: 'POST',
  path: '/api/v1/probes/rounds',
  summary: 'Run a probe round now and answer when it is done; when a round is in progress on any replica, answers at once with ran: false',
  minRole: 'member',
  success: { status: 200, description: 'The round this request ran, or the last one with ran: false', schema: ProbeRound },
  problems: [],
} as const;

export default operation(spec, async ({ db, config, log, metrics }) =>
  json(200, await runProbeRound({ db, config, logger: log, metrics })),
);
