// Building ALB results. Bodies that the database already rendered as JSON
// text are passed through untouched.
import type { ALBResult } from 'aws-lambda';
import type { WriteOutcome } from '../db/actions';
import { HttpProblem } from '../problems';
import { etag } from './conditional';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ALBResult {
  return jsonText(status, JSON.stringify(value), headers);
}

export function jsonText(status: number, body: string, headers: Record<string, string> = {}): ALBResult {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body, isBase64Encoded: false };
}

export function noContent(headers: Record<string, string> = {}): ALBResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store', ...headers }, body: '', isBase64Encoded: false };
}

/** The HTTP answer to a write on an action: the action, or the problem that stopped it. */
export function actionWriteResult(outcome: WriteOutcome, id: number, success = 200): ALBResult {
  if (outcome.ok) return jsonText(success, outcome.doc.json, { etag: etag(outcome.doc.version) });
  switch (outcome.reason) {
    case 'not_found':
      throw new HttpProblem(404, `Action ${id} does not exist.`);
    case 'stale':
      throw new HttpProblem(412, `Action ${id} is at version ${outcome.version}; reload it and try again.`, {
        headers: { etag: etag(outcome.version) },
      });
    case 'forbidden':
      throw new HttpProblem(403, `Your role may not make this change while the action is ${outcome.status}.`);
    case 'notes_required':
      throw new HttpProblem(422, 'resolution_notes is required to resolve or close an action.', {
        type: 'resolution-notes-required',
        errors: [{ path: 'resolution_notes', message: 'is required to resolve or close' }],
      });
    case 'invalid_transition':
      throw new HttpProblem(409, `An action that is ${outcome.status} cannot move to that status.`);
  }
}
