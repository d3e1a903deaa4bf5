import { z } from 'zod';
import { revokeToken } from '../../lib/db/tokens';
import { TokenId } from '../../lib/domain/token-schema';
import { operation } from '../../lib/operation/operation';
import { noContent } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { refuseTokenCaller } from '../../lib/auth/people-only';

const spec = {
  method: 'DELETE',
  path: '/api/v1/tokens/{id}',
  summary: 'Revoke an API token: it stops working at once, on every task',
  minRole: 'admin',
  params: z.strictObject({ id: TokenId }),
  success: { status: 204, description: 'Revoked' },
  problems: [],
} as const;

export default operation(spec, async ({ db, params, identity, log }) => {
  refuseTokenCaller(identity);
  if (!(await revokeToken(db, params.id, identity.user))) throw new HttpProblem('not-found', `No API token ${params.id} is in use.`);
  log.info({ token_id: params.id }, 'API token revoked');
  return noContent();
});
