// Bodies as streams, both ways, for operations that move files (see the
// InvocationSeam in ./context): in the container the socket is streamed; as a
// Lambda the same operation reads the event's body and answers a buffered one.
import { Readable } from 'node:stream';
import { bodyStreamOf, type StreamedResult } from './results';
import type { OperationRequest } from './context';

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

/** Without the container's server nobody pipes a result's stream: buffer it into a base64 body. */
export function bufferedStreams() {
  const after = async (request: OperationRequest) => {
    const { context, response, event } = request;
    const stream = response && bodyStreamOf(response);
    if (!stream || context.streamsResponses) return;
    const result = response as StreamedResult;
    delete result.bodyStream;
    if (event.httpMethod === 'HEAD') {
      stream.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    result.body = Buffer.concat(chunks).toString('base64');
    result.isBase64Encoded = true;
  };
  return { after };
}
