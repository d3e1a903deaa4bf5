// JSON request bodies: application/json (or +json) only → 415 otherwise;
// larger than the limit → 413, checked before and while reading; not JSON →
// 400 malformed-json. The body comes from the event (a Lambda invocation, an
// in-process test) or, in the container, straight from the socket.
import type { Readable } from 'node:stream';
import { HttpProblem } from '../problems';
import type { OperationRequest } from './context';

const JSON_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;

export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/** Reads a whole body, giving up as soon as it passes `limit` bytes. */
export async function readBody(body: Readable, limit: number, declaredLength?: string): Promise<Buffer> {
  const declared = Number(declaredLength);
  if (declaredLength !== undefined && Number.isFinite(declared) && declared > limit) throw new BodyTooLarge();
  // Events rather than an async iterator: a JSON body is one or two chunks, and the
  // iterator's machinery cost more than the reading.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Left paused: whoever answers decides what happens to the rest (the server discards a bounded amount).
        done();
        body.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    // A client that goes away mid-body: 'aborted' on an IncomingMessage of Node 20, 'close' before 'end' on any stream.
    const onClose = () => {
      done();
      reject(new Error('the body ended before its declared end'));
    };
    const done = () => {
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

export function jsonBody(options: { maxBytes: number }) {
  const tooLarge = () => new HttpProblem('too-large', `The body is larger than ${options.maxBytes} bytes.`);
  const before = async (request: OperationRequest) => {
    const { event, context } = request;
    const contentType = event.headers?.['content-type'];
    if (contentType === undefined || !JSON_TYPE.test(contentType)) {
      throw new HttpProblem('unsupported-media-type', 'Send the body as application/json.', {
        headers: { 'accept-post': 'application/json' },
      });
    }
    let bytes: Buffer;
    if (event.body) {
      bytes = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
      if (bytes.length > options.maxBytes) throw tooLarge();
    } else if (context.requestBody) {
      try {
        bytes = await readBody(context.requestBody, options.maxBytes, event.headers?.['content-length']);
      } catch (error) {
        if (error instanceof BodyTooLarge) throw tooLarge();
        // The client went away mid-body: nobody reads the answer, and it is no server fault.
        throw new HttpProblem('malformed-json', 'The body ended before its declared end.', { cause: error });
      }
    } else {
      bytes = Buffer.alloc(0);
    }
    try {
      context.jsonBody = JSON.parse(bytes.toString('utf8'));
    } catch (cause) {
      throw new HttpProblem('malformed-json', 'The body is not valid JSON.', { cause });
    }
  };
  return { before };
}
