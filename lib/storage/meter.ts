// Measures a file on its way to storage: size and SHA-256 while streaming,
// and the size limit enforced as the bytes pass, before more are stored.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { HttpProblem, type CarriesProblem } from '../problems';
import { SourceError } from './store';

export class TooLarge extends SourceError implements CarriesProblem {
  override name = 'TooLarge';
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
  }
  toProblem(): HttpProblem {
    return new HttpProblem('too-large', `Each file may be at most ${this.limit} bytes; nothing was stored.`, { cause: this });
  }
}

/** The client went away (or sent a malformed upload) before the file ended. */
export class UploadBroken extends SourceError implements CarriesProblem {
  override name = 'UploadBroken';
  toProblem(): HttpProblem {
    return invalidUpload(this.message, 'file', this);
  }
}

/** The 400 of an upload that is wrong in itself; nothing of it is kept. */
export function invalidUpload(message: string, field: string, cause: Error): HttpProblem {
  return new HttpProblem('invalid-upload', `${message}; nothing was stored.`, { errors: [{ path: field, message }], cause });
}

export class EvidenceMeter extends Transform {
  // Not `size`: @aws-sdk/lib-storage reads Body.size as the length of the whole body.
  bytes = 0;
  private readonly hash = createHash('sha256');
  private digest?: string;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new TooLarge(this.limit));
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** Hex SHA-256 of everything that passed; call once the stream has ended. */
  get sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}
