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
// inventory: hosts (imports)
import listHosts from '../handlers/hosts/list';
import createHost from '../handlers/hosts/create';
import getHost from '../handlers/hosts/get';
import updateHost from '../handlers/hosts/update';
import deleteHost from '../handlers/hosts/delete';
import listHostActivity from '../handlers/hosts/activity/list';
import createHostActivity from '../handlers/hosts/activity/create';
import listActionHosts from '../handlers/actions/hosts/list';
import linkActionHost from '../handlers/actions/hosts/link';
import unlinkActionHost from '../handlers/actions/hosts/unlink';
import listActionChanges from '../handlers/actions/changes/list';
import linkActionChange from '../handlers/actions/changes/link';
import unlinkActionChange from '../handlers/actions/changes/unlink';
// inventory: changes and ingestion (imports)
import listChanges from '../handlers/changes/list';
import createChange from '../handlers/changes/create';
import getChange from '../handlers/changes/get';
import updateChange from '../handlers/changes/update';
import deleteChange from '../handlers/changes/delete';
import artifactContent from '../handlers/changes/artifacts/content';
import ingestTerraform from '../handlers/ingest/terraform';
import ingestAnsible from '../handlers/ingest/ansible';
import ingestInventory from '../handlers/ingest/inventory';
import relatedChanges from '../handlers/actions/related-changes';
// inventory: probes (imports)
import probeState from '../handlers/probes/state';
import runProbes from '../handlers/probes/run';
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
  // inventory: hosts (routes)
  'hosts/list': listHosts,
  'hosts/create': createHost,
  'hosts/get': getHost,
  'hosts/update': updateHost,
  'hosts/delete': deleteHost,
  'hosts/activity/list': listHostActivity,
  'hosts/activity/create': createHostActivity,
  'actions/hosts/list': listActionHosts,
  'actions/hosts/link': linkActionHost,
  'actions/hosts/unlink': unlinkActionHost,
  'actions/changes/list': listActionChanges,
  'actions/changes/link': linkActionChange,
  'actions/changes/unlink': unlinkActionChange,
  // inventory: changes and ingestion (routes)
  'changes/list': listChanges,
  'changes/create': createChange,
  'changes/get': getChange,
  'changes/update': updateChange,
  'changes/delete': deleteChange,
  'changes/artifacts/content': artifactContent,
  'ingest/terraform': ingestTerraform,
  'ingest/ansible': ingestAnsible,
  'ingest/inventory': ingestInventory,
  'actions/related-changes': relatedChanges,
  // inventory: probes (routes)
  'probes/state': probeState,
  'probes/run': runProbes,
  'me/get': me,
  'tokens/create': createToken,
  'tokens/list': listTokens,
  'tokens/delete': revokeToken,
  openapi,
} satisfies Record<string, Operation>;

export const OPERATIONS: readonly Operation[] = Object.values(ROUTES);
