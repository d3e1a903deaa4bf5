// What the two conditional writes on an action (edit, status) share: the
// If-Match header they read, and the HTTP answer to their outcome.
import type { ALBResult } from 'aws-lambda';
import { z } from 'zod';
import type { WriteOutcome } from '../../lib/db/actions';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

/** If-Match: an ETag of this API ("3", W/"3" or 3) or `*`; the version it demands, or undefined. */
export const IfMatch = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === '*') return undefined;
    const m = /^(?:W\/)?"(\d{1,9})"$/.exec(value) ?? /^(\d{1,9})$/.exec(value);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'is not a version ETag, like "3"' });
      return z.NEVER;
    }
    return Number(m[1]);
  })
  .optional()
  .meta({ description: 'the ETag of the version the change applies to; 412 if the action has moved on' });

export const conditionalHeaders = z.object({ 'if-match': IfMatch });

export function actionWriteAnswer(outcome: WriteOutcome, id: number): ALBResult {
  if (outcome.ok) return json(200, outcome.action, { etag: etag(outcome.action.version) });
  switch (outcome.reason) {
    case 'not_found':
      throw new HttpProblem('not-found', `Action ${id} does not exist.`);
    case 'stale':
      throw new HttpProblem('stale-version', `Action ${id} is at version ${outcome.version}; reload it and try again.`, {
        headers: { etag: etag(outcome.version) },
      });
    case 'forbidden':
      throw new HttpProblem('forbidden', `Your role may not make this change while the action is ${outcome.status}.`);
    case 'notes_required':
      throw new HttpProblem('resolution-notes-required', 'resolution_notes is required to resolve or close an action.', {
        errors: [{ path: 'resolution_notes', message: 'is required to resolve or close' }],
      });
    case 'invalid_transition':
      throw new HttpProblem('invalid-transition', `An action that is ${outcome.status} cannot move to that status.`);
  }
}
