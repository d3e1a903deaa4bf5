import { version } from '../package.json';
import { buildOpenApi } from '../lib/openapi';
import { operation } from '../lib/middleware/operation';
import { jsonText } from '../lib/middleware/respond';
import { operations } from './routes';

const spec = {
  method: 'GET',
  path: '/api/v1/openapi.json',
  summary: 'This document',
  success: { status: 200, description: 'OpenAPI 3.1' },
  problems: [],
} as const;

let document: string | undefined;

export const handler = operation(spec, async () => {
  document ??= JSON.stringify(buildOpenApi([...operations.map((o) => o.spec), spec], version));
  return jsonText(200, document, { 'cache-control': 'public, max-age=300' });
});
