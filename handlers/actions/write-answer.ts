// What the two conditional writes on an action (edit, status) share: the HTTP
// answer to their outcome (the If-Match they read is lib/operation/conditional.ts).
import type { ALBResult } from 'aws-lambda';
import type { WriteOutcome } from '../../lib/db/actions';
import { etag, json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

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
