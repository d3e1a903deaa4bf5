import { listTokens } from '../../lib/db/tokens';
import { TokenList } from '../../lib/domain/token-schema';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { refuseTokenCaller } from '../../lib/auth/people-only';

const spec = {
  method: 'GET',
  path: '/api/v1/tokens',
  summary: 'The API tokens in use (expired ones included), never their secrets',
  minRole: 'admin',
  success: { status: 200, description: 'The tokens', schema: TokenList },
  problems: [],
} as const;

export default operation(spec, async ({ db, identity }) => {
  refuseTokenCaller(identity);
  return json(200, { items: await listTokens(db) });
});
