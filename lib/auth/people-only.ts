// Tokens are managed by people: a token (even an admin's) cannot make, list or
// revoke tokens, so a leaked automation secret cannot mint itself successors.
import type { Identity } from '../domain/roles';
import { HttpProblem } from '../problems';

export function refuseTokenCaller(identity: Identity): void {
  if (identity.via === 'token') throw new HttpProblem('forbidden', 'API tokens cannot manage API tokens; sign in as a person.');
}
