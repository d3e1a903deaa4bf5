// Identity from the X-User / X-Role headers set by the proxy in front.
// Missing or malformed → 401; a role below the operation's minimum → 403.
import { HttpProblem } from '../problems';
import { atLeast, isRole, USER_NAME, type Role } from '../domain/roles';
import type { OperationRequest } from './context';

export function identity(options: { minRole: Role }) {
  const before = (request: OperationRequest) => {
    const headers = request.event.headers ?? {};
    const user = headers['x-user'];
    const role = headers['x-role'];
    if (user === undefined || role === undefined) {
      throw new HttpProblem('unauthenticated', 'X-User and X-Role headers are required.');
    }
    if (!USER_NAME.test(user)) {
      throw new HttpProblem('unauthenticated', 'X-User must be 1–64 characters of A-Z a-z 0-9 . _ @ -.');
    }
    if (!isRole(role)) {
      throw new HttpProblem('unauthenticated', 'X-Role must be one of viewer, member, lead, admin.');
    }
    request.context.caller = { user, role };
    if (request.context.scope) request.context.scope.user = user;
    if (!atLeast(role, options.minRole)) {
      throw new HttpProblem('forbidden', `This operation needs the ${options.minRole} role or above.`);
    }
  };
  return { before };
}
