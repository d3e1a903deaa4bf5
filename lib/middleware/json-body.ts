// JSON request bodies through @middy/http-json-body-parser, with the
// contract's codes: wrong or missing content type → 415, malformed → 400
// (the parser says 415 for both in middy 6).
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { HttpProblem } from '../problems';
import type { OperationRequest } from './context';

export function jsonBody() {
  const parser = httpJsonBodyParser();
  const before = async (request: OperationRequest) => {
    const contentType = request.event.headers?.['content-type'];
    if (contentType === undefined || !/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
      throw new HttpProblem(415, 'Send the body as application/json.', { headers: { 'accept-post': 'application/json' } });
    }
    // Hand the parser the bare media type: it refuses `application/json;` and upper case.
    request.event.headers!['content-type'] = contentType.split(';')[0]!.trim().toLowerCase();
    try {
      await parser.before!(request as never);
    } catch (cause) {
      throw new HttpProblem(400, 'The body is not valid JSON.', { type: 'malformed-json', title: 'Malformed JSON', cause });
    }
  };
  return { before };
}
