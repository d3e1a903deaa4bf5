import { Me } from '../../lib/domain/action-schema';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

const spec = {
  method: 'GET',
  path: '/api/v1/me',
  summary: 'Who the caller is and how they were identified (the page shows it and hides what the role may not do)',
  minRole: 'viewer',
  success: { status: 200, description: 'The caller', schema: Me },
  problems: [],
} as const;

export default operation(spec, async ({ identity }) =>
  json(200, { user: identity.user, role: identity.role, identified_by: identity.via ?? 'headers' }),
);
