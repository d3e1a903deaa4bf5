// The route table: every operation of the API, keyed by its module under
// handlers/, in the order the OpenAPI document lists them. The entry points
// hand it to lib/http (the container, the single Lambda); the build makes one
// Lambda bundle per entry.
import type { Operation } from '../lib/operation/operation';
import health from '../handlers/health';
import metrics from '../handlers/metrics';
import listActions from '../handlers/actions/list';
import createAction from '../handlers/actions/create';
import getAction from '../handlers/actions/get';
import updateAction from '../handlers/actions/update';
import changeStatus from '../handlers/actions/status';
import deleteAction from '../handlers/actions/delete';
import actionHistory from '../handlers/actions/history';
import uploadEvidence from '../handlers/evidence/upload';
import listEvidence from '../handlers/evidence/list';
import createDirectUpload from '../handlers/evidence/uploads/create';
import completeDirectUpload from '../handlers/evidence/uploads/complete';
import evidenceContent from '../handlers/evidence/content';
import deleteEvidence from '../handlers/evidence/delete';
import listDeletions from '../handlers/deletions/list';
import liveEvents from '../handlers/events/stream';
import actionFacets from '../handlers/actions/facets';
import me from '../handlers/me/get';
import createToken from '../handlers/tokens/create';
import listTokens from '../handlers/tokens/list';
import revokeToken from '../handlers/tokens/delete';
import openapi from '../handlers/openapi';

export const ROUTES = {
  health,
  metrics,
  'actions/list': listActions,
  'actions/facets': actionFacets,
  'actions/create': createAction,
  'actions/get': getAction,
  'actions/update': updateAction,
  'actions/status': changeStatus,
  'actions/delete': deleteAction,
  'actions/history': actionHistory,
  'evidence/upload': uploadEvidence,
  'evidence/list': listEvidence,
  'evidence/uploads/create': createDirectUpload,
  'evidence/uploads/complete': completeDirectUpload,
  'evidence/content': evidenceContent,
  'evidence/delete': deleteEvidence,
  'deletions/list': listDeletions,
  'events/stream': liveEvents,
  'me/get': me,
  'tokens/create': createToken,
  'tokens/list': listTokens,
  'tokens/delete': revokeToken,
  openapi,
} satisfies Record<string, Operation>;

export const OPERATIONS: readonly Operation[] = Object.values(ROUTES);
