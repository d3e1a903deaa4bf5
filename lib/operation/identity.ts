// The caller of an operation that needs a role: lib/auth decides who it is
// (AUTH_MODE, API tokens); a role below the operation's minimum is 403.
import type { Authenticator } from '../auth/authenticator';
import { HttpProblem } from '../problems';
import { atLeast, type Role } from '../domain/roles';
import type { OperationRequest } from './context';

export function identity(options: { minRole: Role; auth: Authenticator }) {
  const before = async (request: OperationRequest) => {
    const { context } = request;
    const caller = await options.auth.authenticate(request.event, context.log);
    context.caller = caller;
    if (context.scope) context.scope.user = caller.user;
    if (!atLeast(caller.role, options.minRole)) {
      throw new HttpProblem('forbidden', `This operation needs the ${options.minRole} role or above.`);
    }
  };
  return { before };
}
