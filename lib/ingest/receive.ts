// Receiving a document posted to /api/v1/ingest/*: the raw JSON of a tool
// (a Terraform plan or state, an Ansible recap or inventory), read whole into
// memory because JSON.parse needs it whole, measured (size, SHA-256) on the
// way, and refused as soon as it passes INGEST_MAX_BYTES. MAX_CONCURRENT_INGESTS
// bounds how many such buffers a process holds at once. What a parser refuses
// becomes a 400 that says where the document broke.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ALBResult } from 'aws-lambda';
import { z } from 'zod';
import type { Config } from '../config';
import { findReplay, getChange, recordDocument, type CorrelationKey, type IngestedDocument, type IngestOutcome } from '../db/changes';
import type { Database } from '../db/database';
import type { Identity } from '../domain/roles';
import type { Logger } from '../log';
import type { Deps } from '../operation/deps';
import type { BoundOperation, Operation, OperationSpec } from '../operation/operation';
import { json } from '../operation/results';
import { HttpProblem } from '../problems';
import { removeObjects } from '../storage/index';
import type { EvidenceStore } from '../storage/store';
import { DocumentError, parseJson } from './document';

export type IngestKind = 'terraform' | 'ansible' | 'inventory';

/** The request headers an ingestion reads. */
export const ingestHeaders = z.object({
  'content-type': z.string().optional(),
  'content-length': z
    .string()
    .regex(/^\d{1,16}$/, 'must be a byte count')
    .transform(Number)
    .optional(),
});

/** The correlation key of the change a document goes to (commit_sha or build_id: correlated). */
export const correlationOf = (query: {
  environment?: string;
  component?: string;
  commit_sha?: string;
  build_id?: string;
}): CorrelationKey => ({
  environment: query.environment ?? null,
  component: query.component ?? null,
  commitSha: query.commit_sha ?? null,
  buildId: query.build_id ?? null,
});

/** What every ingestion may answer besides the common problems (it takes no buffered body, so says so itself). */
export const INGEST_PROBLEMS = ['invalid-document', 'too-large', 'unsupported-media-type', 'storage-unavailable'] as const;

export interface ReceivedDocument {
  bytes: Buffer;
  sha256: string;
  sizeBytes: number;
}

// `application/json`, with parameters (charset) or not; curl's default for --data-binary is refused.
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Documents being received or ingested, per process (keyed by its configuration:
 * one per app, also when tests run several in one process).
 */
const inFlight = new WeakMap<Config, { count: number }>();

/**
 * Runs `work` on the posted document: 415 for another type, 413 for a declared
 * or actual length above INGEST_MAX_BYTES, 503 with Retry-After when
 * MAX_CONCURRENT_INGESTS documents are already in progress. The slot is held
 * until `work` is done (the document stays in memory that long).
 */
export async function withDocument<T>(
  body: Readable,
  headers: z.output<typeof ingestHeaders>,
  config: Pick<Config, 'INGEST_MAX_BYTES' | 'MAX_CONCURRENT_INGESTS'>,
  work: (document: ReceivedDocument) => Promise<T>,
): Promise<T> {
  if (!JSON_TYPE.test(headers['content-type'] ?? '')) {
    throw new HttpProblem('unsupported-media-type', 'Send the document as it is, with Content-Type: application/json.', {
      headers: { 'accept-post': 'application/json' },
    });
  }
  const limit = config.INGEST_MAX_BYTES;
  if (headers['content-length'] !== undefined && headers['content-length'] > limit) throw tooLarge(limit);
  let slots = inFlight.get(config as Config);
  if (!slots) inFlight.set(config as Config, (slots = { count: 0 }));
  if (slots.count >= config.MAX_CONCURRENT_INGESTS) {
    throw new HttpProblem(
      'unavailable',
      `This server is ingesting as many documents as it takes together (MAX_CONCURRENT_INGESTS=${config.MAX_CONCURRENT_INGESTS}); try again in a moment.`,
      { headers: { 'retry-after': '5' }, expose: true },
    );
  }
  slots.count++;
  try {
    return await work(await readDocument(body, limit));
  } finally {
    slots.count--;
  }
}

const tooLarge = (limit: number) =>
  new HttpProblem('too-large', `A document may be at most ${limit} bytes (INGEST_MAX_BYTES); nothing was stored.`);

/**
 * The whole body, hashed as it arrives. Past the limit it stops reading (without
 * destroying the socket, so that the 413 reaches the client; the server
 * discards the rest).
 */
function readDocument(body: Readable, limit: number): Promise<ReceivedDocument> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    const finish = (error?: HttpProblem) => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onBroken);
      body.off('close', onClose);
      if (!error) return resolve({ bytes: Buffer.concat(chunks, size), sha256: hash.digest('hex'), sizeBytes: size });
      body.pause();
      chunks.length = 0;
      reject(error);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > limit) return finish(tooLarge(limit));
      hash.update(bytes);
      chunks.push(bytes);
    };
    const onEnd = () => {
      ended = true;
      finish();
    };
    const onBroken = () => finish(new HttpProblem('invalid-document', 'The document stopped before its end; nothing was stored.'));
    const onClose = () => !ended && onBroken();
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onBroken);
    body.once('close', onClose);
  });
}

/**
 * Parses the bytes as JSON and reads them with a tool's parser. Either refusal
 * is a 400 invalid-document that says where it broke: JSON's line, column and
 * byte, or the path of the part in the wrong shape (the parsers' DocumentError
 * carries its problem).
 */
export function readJsonDocument<T>(bytes: Buffer, read: (doc: unknown) => T): T {
  let doc: unknown;
  try {
    doc = parseJson(bytes);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    throw new HttpProblem('invalid-document', `The document is not JSON: ${error.message}; nothing was stored.`, {
      errors: error.errors,
      cause: error,
    });
  }
  return read(doc);
}

type Outcome = Parameters<NonNullable<Deps['metrics']>['ingested']>[1];

/** What a post came to, for ingest_documents_total: written, nothing to write (replayed), refused, failed. */
const outcomeOf = (status: number): Outcome =>
  status === 201 ? 'created' : status < 400 ? 'replayed' : status < 500 ? 'rejected' : 'failed';

/**
 * Counts every post of an ingestion, whatever answers it: identity and
 * validation refuse before the core runs, so the count is taken around the
 * whole bound operation.
 */
export function countedIngest<S extends OperationSpec>(kind: IngestKind, op: Operation<S>): Operation<S> {
  return {
    spec: op.spec,
    bind(deps) {
      const bound = op.bind(deps);
      const invoke: BoundOperation = Object.assign(
        async (...args: Parameters<BoundOperation>) => {
          try {
            const result = await bound(...args);
            deps.metrics?.ingested(kind, outcomeOf(result.statusCode ?? 500));
            return result;
          } catch (error) {
            deps.metrics?.ingested(kind, 'failed');
            throw error;
          }
        },
        { spec: op.spec },
      );
      return invoke;
    },
  };
}

/** What a plan or a recap did to hosts: nothing (only an inventory upserts them). */
const NO_HOSTS = { created: 0, updated: 0, retired: 0, unchanged: 0 };

interface Recorder {
  db: Database;
  store: EvidenceStore;
  log: Logger;
  identity: Identity;
}

/**
 * Records a document on its change and answers IngestResult: a replay of a
 * document already there (a retried CI step) is found before anything is
 * written; otherwise the raw document goes to the store first, then the rows
 * in one transaction, and the object is removed again if that fails (or turns
 * out to be a replay after all: a concurrent post of the same document won).
 */
export async function recordOnChange(
  { db, store, log, identity }: Recorder,
  document: ReceivedDocument,
  doc: Omit<IngestedDocument, 'artifact'> & { kind: IngestedDocument['artifact']['kind'] },
): Promise<ALBResult> {
  const earlier = await findReplay(db, doc.key, document.sha256);
  let outcome: IngestOutcome;
  if (earlier !== undefined) outcome = { changeId: earlier, replayed: true };
  else {
    const storageKey = store.newKey();
    await store.put(storageKey, Readable.from([document.bytes]), { contentType: 'application/json' });
    let recorded: IngestOutcome | undefined;
    try {
      const { kind, ...rest } = doc;
      const artifact = {
        kind,
        filename: `${kind}-${document.sha256.slice(0, 12)}.json`,
        sizeBytes: document.sizeBytes,
        sha256: document.sha256,
        storageKey,
      };
      recorded = await recordDocument(db, { ...rest, artifact }, identity);
    } finally {
      if (recorded === undefined || recorded.replayed) await removeObjects(store, [storageKey], log);
    }
    outcome = recorded;
  }
  // Read after the commit; null only if the change was deleted in between.
  const change = (await getChange(db, outcome.changeId)) ?? null;
  const headers: Record<string, string> = outcome.replayed ? {} : { location: `/api/v1/changes/${outcome.changeId}` };
  return json(outcome.replayed ? 200 : 201, { change, replayed: outcome.replayed, hosts: NO_HOSTS }, headers);
}

/** A document's text for a title or a summary: one line, at most `max` characters. */
export function oneLine(text: string, max: number): string {
  // Bidi controls reorder what is shown; line breaks and other controls have no place in one line.
  const line = text
    .replace(/[\u202a-\u202e\u2066-\u2069]/gu, '')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}
