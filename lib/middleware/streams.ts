// Bodies as streams, both ways, for operations that move files. See the
// StreamingSeam in ./context: in the container the socket is streamed; as a
// Lambda the same operation reads the event's body and answers a buffered one.
import { Readable } from 'node:stream';
import type { ALBResult } from 'aws-lambda';
import type { OperationRequest } from './context';

const BODY_STREAM = Symbol('body stream');

export type StreamedResult = ALBResult & { [BODY_STREAM]?: Readable };

/** A result whose body is a stream, piped to the socket by the container adapter. */
export function streamed(status: number, headers: Record<string, string>, body: Readable): StreamedResult {
  return { statusCode: status, headers, body: '', isBase64Encoded: false, [BODY_STREAM]: body };
}

export function bodyStreamOf(result: ALBResult): Readable | undefined {
  return (result as StreamedResult)[BODY_STREAM];
}

/** The request body as a stream (context.requestBody), whoever invoked the operation. */
export function streamedBody() {
  const before = (request: OperationRequest) => {
    const { context, event } = request;
    if (context.requestBody) return;
    const bytes = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
    context.requestBody = Readable.from(bytes.length > 0 ? [bytes] : []);
  };
  return { before };
}

/** Without the container adapter nobody pipes a result's stream: buffer it into a base64 body. */
export function bufferedStreams() {
  const after = async (request: OperationRequest) => {
    const { context, response } = request;
    const stream = response && bodyStreamOf(response);
    if (!stream || context.streamsResponses) return;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const result = response as StreamedResult;
    delete result[BODY_STREAM];
    result.body = Buffer.concat(chunks).toString('base64');
    result.isBase64Encoded = true;
  };
  return { after };
}
