// Evidence on local disk: each object is written to a temporary file beside
// the final ones, fsynced, then renamed, so a final name only ever holds a
// whole file.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotStored, SourceError, StorageUnavailable, type ByteRange, type EvidenceStore, type StoredObject } from './store';

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PARTIAL_DIR = '.partial';
/** Temporary files this old belong to a process that died mid-write. */
const STALE_PARTIAL_MS = 24 * 3600 * 1000;
/**
 * Bytes per file system call. Each write or read is a round trip to libuv's
 * thread pool; at the ≤ 64 KiB of socket chunks and fs's default read size,
 * those round trips, not the disk, bounded large transfers (bench:evidence).
 */
const IO_CHUNK_BYTES = 1024 * 1024;
/**
 * Bytes written between two background datasyncs. Without them the kernel
 * held a whole upload in the page cache and the final fsync wrote it all
 * (~1.5 s per GiB here, a third of the upload).
 */
const SYNC_EVERY_BYTES = 32 * 1024 * 1024;

export function openLocalStore(root: string): EvidenceStore {
  const dir = resolve(root);
  const partials = join(dir, PARTIAL_DIR);
  mkdirSync(partials, { recursive: true, mode: 0o700 });
  void sweepPartials(partials);

  const pathOf = (key: string) => {
    // Keys come from newKey(); anything else never reaches the file system.
    if (!KEY.test(key)) throw new NotStored(`not a local evidence key`);
    return join(dir, key);
  };

  return {
    kind: 'local',
    newKey: () => randomUUID(),

    async put(key, source, _meta) {
      const final = pathOf(key);
      const temporary = join(partials, `${randomUUID()}.part`);
      try {
        const file = await open(temporary, 'wx', 0o600);
        try {
          // Not file.createWriteStream({ autoClose: false }): that stream holds a reference to
          // the handle which only its own close releases, so file.close() would wait forever.
          await pipeline(source, async (chunks: AsyncIterable<Buffer>) => {
            // One write in flight while the next buffer fills (the socket is read meanwhile), and a
            // datasync every so often, so that the disk writes during the upload, not all at the end.
            let writing: Promise<void> | undefined;
            let syncing: Promise<void> | undefined;
            let unsynced = 0;
            for await (const chunk of gathered(chunks, IO_CHUNK_BYTES)) {
              await writing;
              writing = handled(writeAll(file, chunk));
              unsynced += chunk.length;
              if (unsynced >= SYNC_EVERY_BYTES) {
                await syncing;
                syncing = handled(file.datasync());
                unsynced = 0;
              }
            }
            await writing;
            await syncing;
          });
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temporary, final);
        await syncDirectory(dir);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        if (error instanceof SourceError) throw error;
        throw new StorageUnavailable('local evidence write failed', { cause: error });
      }
    },

    async get(key, range?: ByteRange) {
      const path = pathOf(key);
      let file;
      try {
        file = await open(path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotStored(`no object ${key}`);
        throw new StorageUnavailable('local evidence read failed', { cause: error });
      }
      return file.createReadStream({ highWaterMark: IO_CHUNK_BYTES, ...(range ? { start: range.start, end: range.end } : {}) }) as Readable;
    },

    async stat(key) {
      const path = pathOf(key);
      try {
        const s = await stat(path);
        return { size: s.size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new StorageUnavailable('local evidence stat failed', { cause: error });
      }
    },

    async delete(key) {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new StorageUnavailable('local evidence delete failed', { cause: error });
      }
    },

    async *list(): AsyncIterable<StoredObject> {
      for (const name of await readdir(dir)) {
        if (!KEY.test(name)) continue;
        const s = await stat(join(dir, name)).catch(() => undefined);
        if (s?.isFile()) yield { key: name, size: s.size, modifiedAt: s.mtime };
      }
    },
  };
}

/** The promise, marked as handled: it is awaited later, and must not count as unhandled if it fails first. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length;) at += (await file.write(chunk, at)).bytesWritten;
}

/** The chunks joined into buffers of about `bytes` each (the last may be shorter): one write per buffer. */
async function* gathered(chunks: AsyncIterable<Buffer>, bytes: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= bytes) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

/** Makes a rename durable: the directory entry is flushed too. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function sweepPartials(partials: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(partials).catch(() => [] as string[])) {
    const path = join(partials, name);
    const s = await stat(path).catch(() => undefined);
    if (s && now - s.mtimeMs > STALE_PARTIAL_MS) await rm(path, { force: true }).catch(() => undefined);
  }
}
