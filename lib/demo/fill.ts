// `npm run demo`'s work: writes the incident week of scenario.ts through the
// same functions the API's handlers call (so every change has its history
// event, version and search vector as if a person had made it), then moves
// each change back to the time the week says it happened. The database sets
// those times to now(), and the schema has no other way to write them: each
// step's own rows (its events, its evidence, the action's created/updated/
// resolved/closed times) are the ones still at the transaction's now(), and
// they are set to the step's time at once, so the history stays in order.
// All of it is one transaction: a second run finds the whole week or none.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { changeStatus, createAction, updateAction, type WriteOutcome } from '../db/actions';
import type { Database, Queryable } from '../db/database';
import { insertEvidence, type StoredFile } from '../db/evidence';
import { storedContentType } from '../domain/evidence';
import { STATUSES, type Status } from '../domain/lifecycle';
import type { Identity } from '../domain/roles';
import { deleteObjects, type EvidenceStore } from '../storage/store';
import { DEMO_TAG, incidentWeek, type DemoStep } from './scenario';

export type DemoOutcome =
  | {
      kind: 'filled';
      actions: number;
      byStatus: Record<Status, number>;
      events: number;
      reopens: number;
      files: number;
      bytes: number;
      people: number;
      from: Date;
      to: Date;
    }
  /** The week is there already: nothing was written. */
  | { kind: 'found'; actions: number }
  /** The database holds other actions, and `force` was not given. */
  | { kind: 'not-empty'; actions: number };

export interface DemoOptions {
  /** The end of the week (default: now). */
  now?: Date;
  /** Add the week to a database that holds other actions. */
  force?: boolean;
}

const COUNTS = `SELECT count(*) FILTER (WHERE tags @> ARRAY['${DEMO_TAG}']::text[])::int AS demo, count(*)::int AS total FROM actions`;

// The rows a step has just written still carry the transaction's now(); every
// earlier step's were moved into the past (at least 15 minutes before now).
const FRESH = (column: string) => `${column} > now() - interval '1 minute'`;
const BACKDATE = `
WITH ev AS (
  UPDATE action_events SET at = $2 WHERE action_id = $1 AND ${FRESH('at')} RETURNING id
), files AS (
  UPDATE evidence SET uploaded_at = $2 WHERE action_id = $1 AND ${FRESH('uploaded_at')} RETURNING id
)
UPDATE actions SET
  created_at  = CASE WHEN ${FRESH('created_at')} THEN $2 ELSE created_at END,
  updated_at  = $2,
  resolved_at = CASE WHEN ${FRESH('resolved_at')} THEN $2 ELSE resolved_at END,
  closed_at   = CASE WHEN ${FRESH('closed_at')} THEN $2 ELSE closed_at END
WHERE id = $1`;

export async function fillDemo(db: Database, store: EvidenceStore, options: DemoOptions = {}): Promise<DemoOutcome> {
  const { rows } = await db.query<{ demo: number; total: number }>(COUNTS);
  const counts = rows[0]!;
  if (counts.demo > 0) return { kind: 'found', actions: counts.demo };
  if (counts.total > 0 && !options.force) return { kind: 'not-empty', actions: counts.total };

  const plan = incidentWeek(options.now ?? new Date(), (raw) => deflateSync(raw));
  // One timeline for the whole week, so that ids (of actions and of events) grow with time.
  // The sort is stable: an action's own steps, already in order, keep it when times tie.
  const timeline = plan
    .flatMap((action, index) => [
      { at: action.createdAt, index, by: action.createdBy, step: undefined as DemoStep | undefined },
      ...action.steps.map((st) => ({ at: st.at, index, by: st.by, step: st.step as DemoStep | undefined })),
    ])
    .sort((a, b) => a.at.getTime() - b.at.getTime());

  const stored: string[] = [];
  let bytes = 0;
  try {
    const ids = await db.transaction(async (tx) => {
      // updateAction takes a Database (it opens its own transaction): inside this one, it runs in it.
      const inTx: Database = {
        ...db,
        query: (st, params) => tx.query(st, params),
        exec: (sql) => tx.exec(sql),
        transaction: (work) => work(tx),
      };
      const ids: number[] = [];
      for (const { at, index, by, step } of timeline) {
        if (!step) ids[index] = (await createAction(tx, plan[index]!.fields, by)).id;
        else await apply(inTx, tx, ids[index]!, step, by);
        await tx.query(BACKDATE, [ids[index], at.toISOString()]);
      }
      return ids;

      async function apply(database: Database, q: Queryable, id: number, step: DemoStep, who: Identity): Promise<void> {
        let outcome: WriteOutcome | undefined;
        if (step.kind === 'edit') outcome = await updateAction(database, id, step.edit, who);
        else if (step.kind === 'status')
          outcome = await changeStatus(q, id, { to: step.to, resolutionNotes: step.resolutionNotes, note: step.note }, who);
        else {
          const files: StoredFile[] = [];
          for (const file of step.files) {
            const key = store.newKey();
            const contentType = storedContentType(file.contentType);
            await store.put(key, Readable.from([Buffer.from(file.bytes)]), { contentType });
            stored.push(key);
            bytes += file.bytes.length;
            const sha256 = createHash('sha256').update(file.bytes).digest('hex');
            files.push({ key, filename: file.filename, contentType, sizeBytes: file.bytes.length, sha256 });
          }
          if (!(await insertEvidence(q, id, files, who))) throw new Error(`the demo could not attach evidence to action ${id}`);
        }
        // The scenario follows the lifecycle and changes something at every step: anything else is a mistake in it.
        if (outcome?.ok && !outcome.changed) throw new Error(`the demo's step ${JSON.stringify(step)} on action ${id} changed nothing`);
        if (outcome && !outcome.ok)
          throw new Error(`the demo's step ${JSON.stringify(step)} on action ${id} was refused: ${outcome.reason}`);
      }
    });
    return {
      kind: 'filled',
      ...(await summary(db, ids)),
      files: stored.length,
      bytes,
      people: new Set(timeline.map((t) => t.by.user)).size,
      from: timeline[0]!.at,
      to: timeline[timeline.length - 1]!.at,
    };
  } catch (error) {
    // Nothing of the week was committed: its files go too.
    await deleteObjects(store, stored);
    throw error;
  }
}

async function summary(db: Queryable, ids: number[]) {
  const { rows: statuses } = await db.query<{ status: Status; n: number }>(
    'SELECT status, count(*)::int AS n FROM actions WHERE id = ANY($1::bigint[]) GROUP BY status',
    [ids],
  );
  const byStatus = Object.fromEntries(STATUSES.map((st) => [st, statuses.find((r) => r.status === st)?.n ?? 0])) as Record<Status, number>;
  const { rows } = await db.query<{ events: number; reopens: number }>(
    `SELECT count(*)::int AS events,
            count(*) FILTER (WHERE from_status IN ('resolved', 'closed') AND to_status IN ('open', 'in_progress'))::int AS reopens
     FROM action_events WHERE action_id = ANY($1::bigint[])`,
    [ids],
  );
  return { actions: ids.length, byStatus, events: rows[0]!.events, reopens: rows[0]!.reopens };
}
