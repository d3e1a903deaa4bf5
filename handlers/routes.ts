// The operations of the API, in the order the OpenAPI document lists them.
import { handler as health } from './health';
import { handler as listActions } from './actions/list';
import { handler as createAction } from './actions/create';
import { handler as getAction } from './actions/get';
import { handler as updateAction } from './actions/update';
import { handler as changeStatus } from './actions/status';
import { handler as deleteAction } from './actions/delete';
import { handler as actionHistory } from './actions/history';
import { handler as uploadEvidence } from './evidence/upload';
import { handler as listEvidence } from './evidence/list';
import { handler as createDirectUpload } from './evidence/uploads/create';
import { handler as completeDirectUpload } from './evidence/uploads/complete';
import { handler as evidenceContent } from './evidence/content';
import { handler as deleteEvidence } from './evidence/delete';
import { handler as listDeletions } from './deletions/list';
import { handler as me } from './me/get';

export const operations = [
  health,
  listActions,
  createAction,
  getAction,
  updateAction,
  changeStatus,
  deleteAction,
  actionHistory,
  uploadEvidence,
  listEvidence,
  createDirectUpload,
  completeDirectUpload,
  evidenceContent,
  deleteEvidence,
  listDeletions,
  me,
];
