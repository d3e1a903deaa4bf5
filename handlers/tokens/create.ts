import { createToken } from '../../lib/db/tokens';
import { atLeast } from '../../lib/domain/roles';
import { CreatedToken, NewToken } from '../../lib/domain/token-schema';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { refuseTokenCaller } from '../../lib/auth/people-only';

const spec = {
  method: 'POST',
  path: '/api/v1/tokens',
  summary: 'Make an API token for automation; its secret is shown in this answer only',
  minRole: 'admin',
  body: NewToken,
  success: { status: 201, description: 'The token, with its secret', schema: CreatedToken },
  problems: ['already-exists'],
} as const;

export default operation(spec, async ({ db, body, identity, log }) => {
  refuseTokenCaller(identity);
  // Only admins get here today; the rule holds whatever the route's minimum becomes.
  if (!atLeast(identity.role, body.role)) throw new HttpProblem('forbidden', 'A token’s role cannot exceed its creator’s.');
  const made = await createToken(db, { name: body.name, role: body.role, expires_at: body.expires_at ?? null }, identity);
  if (!made) throw new HttpProblem('already-exists', `A token named ${body.name} is in use; revoke it or pick another name.`);
  log.info({ token_id: made.record.id, token_name: made.record.name, token_role: made.record.role }, 'API token created');
  return json(201, { ...made.record, token: made.secret }, { 'cache-control': 'no-store' });
});
