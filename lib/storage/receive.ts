// Receiving evidence: a multipart/form-data body (busboy, one or more `file`
// parts) or a raw body, streamed part by part through the meter into the
// store. Memory stays flat whatever the size. Either every file is stored or
// none is: on any failure the objects already stored are deleted.
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { displayFilename, storedContentType, FILES_PER_UPLOAD } from '../domain/evidence';
import type { StoredFile } from '../db/evidence';
import type { CarriesProblem } from '../problems';
import { EvidenceMeter, invalidUpload, TooLarge, UploadBroken } from './meter';
import { deleteObjects, SourceError, type EvidenceStore } from './store';

/** The upload itself is wrong (bad filename, unknown part, malformed multipart, empty file): 400. */
export class BadUpload extends SourceError implements CarriesProblem {
  override name = 'BadUpload';
  constructor(
    message: string,
    readonly field = 'file',
  ) {
    super(message);
  }
  toProblem() {
    return invalidUpload(this.message, this.field, this);
  }
}

export interface ReceiveOptions {
  store: EvidenceStore;
  maxBytes: number;
  maxFiles?: number;
}

export const isMultipart = (contentType: string | undefined) => /^multipart\/form-data\s*;/i.test(contentType ?? '');

/** Stores every file of a multipart/form-data body; all or nothing. */
export async function receiveMultipart(body: Readable, contentType: string, options: ReceiveOptions): Promise<StoredFile[]> {
  const maxFiles = options.maxFiles ?? FILES_PER_UPLOAD;
  const stored: StoredFile[] = [];
  const work: Promise<void>[] = [];
  const inFlight = new Set<EvidenceMeter>();
  let failure: unknown;
  let parser: busboy.Busboy;
  try {
    // Browsers send filenames as raw UTF-8: decode them as such.
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8',
      limits: { files: maxFiles, fields: 0, parts: maxFiles + 1 },
    });
  } catch (cause) {
    throw new BadUpload(`the multipart body cannot be read: ${(cause as Error).message}`);
  }

  const outcome = new Promise<void>((resolve) => {
    const fail = (error: unknown) => {
      failure ??= error;
      resolve();
    };
    parser.on('file', (name, file, info) => {
      if (failure !== undefined) return void file.resume();
      if (name !== 'file') {
        file.resume();
        return fail(new BadUpload(`only parts named "file" are accepted, not "${printable(name)}"`));
      }
      const verdict = displayFilename(info.filename);
      if (!verdict.ok) {
        file.resume();
        return fail(new BadUpload(`the filename ${verdict.message}`, 'file.filename'));
      }
      const index = work.length;
      // Parts are stored in turn, but kept in the order they were sent.
      work.push(storeOne(file, verdict.filename, info.mimeType, options, inFlight).then((f) => void (stored[index] = f), fail));
    });
    parser.on('field', (name) => fail(new BadUpload(`only file parts are accepted, not the field "${printable(name)}"`)));
    parser.on('fieldsLimit', () => fail(new BadUpload('only file parts are accepted')));
    parser.on('filesLimit', () => fail(new BadUpload(`at most ${maxFiles} files per request`)));
    parser.on('partsLimit', () => fail(new BadUpload(`at most ${maxFiles} files per request`)));
    parser.on('error', (error) => fail(new BadUpload(`the multipart body is malformed: ${(error as Error).message}`)));
    parser.on('close', () => {
      // Every part has been handed out; wait for the last to be stored.
      void Promise.allSettled(work).then(() => resolve());
    });
    watchClient(body, fail);
    body.pipe(parser);
  });

  await outcome;
  if (failure === undefined && stored.length === 0) failure = new BadUpload('send at least one part named "file"');
  if (failure !== undefined) {
    body.unpipe(parser);
    parser.removeAllListeners('file');
    parser.on('error', () => undefined);
    parser.destroy();
    // A part still being stored will get no more bytes: stop it.
    for (const meter of inFlight) meter.destroy(new UploadBroken('the upload was abandoned'));
    await Promise.allSettled(work);
    await deleteObjects(
      options.store,
      stored.filter(Boolean).map((f) => f.key),
    );
    throw failure;
  }
  return stored;
}

/** Stores a raw body as one file. */
export async function receiveRaw(
  body: Readable,
  file: { filename: string; contentType: string | undefined; declaredLength: number | undefined },
  options: ReceiveOptions,
): Promise<StoredFile[]> {
  if (file.declaredLength !== undefined && file.declaredLength > options.maxBytes) throw new TooLarge(options.maxBytes);
  let failure: unknown;
  watchClient(body, (error) => (failure ??= error));
  try {
    return [await storeOne(body, file.filename, file.contentType, options)];
  } catch (error) {
    throw failure ?? error;
  }
}

/** One file: meter → store; an empty file is removed again and refused. */
async function storeOne(
  source: Readable,
  filename: string,
  contentType: string | undefined,
  options: ReceiveOptions,
  inFlight = new Set<EvidenceMeter>(),
): Promise<StoredFile> {
  const meter = new EvidenceMeter(options.maxBytes);
  // The store reading the meter gets its errors; one that failed before reading (disk, S3)
  // leaves it without a listener, and destroying it then must not crash the process.
  meter.on('error', () => undefined);
  inFlight.add(meter);
  meter.once('close', () => inFlight.delete(meter));
  source.on('error', (error) => {
    if (!meter.destroyed)
      meter.destroy(error instanceof SourceError ? error : new UploadBroken('the upload stopped before the file ended'));
  });
  source.pipe(meter);
  const key = options.store.newKey();
  const type = storedContentType(contentType);
  await options.store.put(key, meter, { contentType: type });
  if (meter.bytes === 0) {
    await deleteObjects(options.store, [key]);
    throw new BadUpload(`${filename} is empty`);
  }
  return { key, filename, contentType: type, sizeBytes: meter.bytes, sha256: meter.sha256 };
}

/** A client that goes away mid-body ends the upload. */
function watchClient(body: Readable, fail: (error: unknown) => void): void {
  const gone = () => fail(new UploadBroken('the client closed the connection before the body ended'));
  body.once('aborted', gone);
  body.once('error', gone);
}

const printable = (name: string) => name.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
