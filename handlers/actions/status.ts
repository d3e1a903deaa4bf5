import { z } from 'zod';
import { Action, ActionId, eventNote, resolutionNotes } from '../../lib/domain/action-schema';
import { isFinished, STATUSES, TRANSITIONS } from '../../lib/domain/lifecycle';
import { changeStatus } from '../../lib/db/actions';
import { operation } from '../../lib/operation/operation';
import { conditionalHeaders } from '../../lib/operation/conditional';
import { actionWriteAnswer } from './write-answer';

const spec = {
  method: 'POST',
  path: '/api/v1/actions/{id}/status',
  summary: 'Move an action through its lifecycle (lead+ to close or to reopen a closed one)',
  minRole: 'member',
  params: z.strictObject({ id: ActionId }),
  headers: conditionalHeaders,
  body: z
    .strictObject({
      status: z.enum(STATUSES),
      resolution_notes: resolutionNotes.optional(),
      // Our extension: a free comment kept on the history event (e.g. why it was reopened).
      note: eventNote.optional(),
    })
    .refine((b) => b.resolution_notes === undefined || b.resolution_notes === '' || isFinished(b.status), {
      path: ['resolution_notes'],
      message: 'is only accepted when the status becomes resolved or closed',
    }),
  success: { status: 200, description: 'The action in its new status', schema: Action, headers: ['ETag'] },
  problems: ['invalid-transition', 'stale-version', 'resolution-notes-required'],
  extensions: { 'x-lifecycle': TRANSITIONS },
} as const;

export default operation(spec, async ({ db, params, headers, body, identity }) => {
  const change = { to: body.status, resolutionNotes: body.resolution_notes, note: body.note || undefined };
  const outcome = await changeStatus(db, params.id, change, identity, headers['if-match']);
  return actionWriteAnswer(outcome, params.id);
});
