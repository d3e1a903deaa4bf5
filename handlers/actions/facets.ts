import { z } from 'zod';
import { ActionFacets, ActionFilterQuery } from '../../lib/domain/action-schema';
import { countFacets } from '../../lib/db/facets';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

const spec = {
  method: 'GET',
  path: '/api/v1/actions/facets',
  summary:
    'Counts under the list’s filters: by status (the status filter aside), priority, owner, component and tag; ' +
    'estimates from a sample past 10,000 matching actions',
  minRole: 'viewer',
  query: z.strictObject(ActionFilterQuery),
  success: { status: 200, description: 'The counts', schema: ActionFacets },
  problems: [],
} as const;

export default operation(spec, async ({ db, query }) => {
  const facets = await countFacets(db, {
    status: query.status,
    priority: query.priority,
    owner: query.owner,
    component: query.component,
    tag: query.tag,
    q: query.q || undefined,
    includeClosed: query.include_closed,
  });
  return json(200, facets);
});
