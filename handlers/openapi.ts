import { version } from '../package.json';
import { buildOpenApi } from '../lib/openapi';
import { operation, type OperationSpec } from '../lib/operation/operation';

const spec = {
  method: 'GET',
  path: '/api/v1/openapi.json',
  summary: 'This document',
  success: { status: 200, description: 'OpenAPI 3.1' },
  problems: [],
} as const;

// Built once per app (its list of operations), on the first request.
const documents = new WeakMap<readonly OperationSpec[], string>();

export default operation(spec, async ({ specs }) => {
  let document = documents.get(specs);
  if (document === undefined) documents.set(specs, (document = JSON.stringify(buildOpenApi(specs, version))));
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
    body: document,
    isBase64Encoded: false,
  };
});
