// The machine-readable contract, generated from the very schemas the handlers
// validate with and answer with, and from the problem catalog, so it cannot
// drift from what the service accepts and sends.
import { z } from 'zod';
import { Problem } from './domain/action-schema';
import { problemsOf, type OperationSpec, type ResponseSpec } from './operation/operation';
import { headerName } from './operation/validate';
import { PROBLEM_BASE, PROBLEMS, type ProblemSlug } from './problems';

type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

// OpenAPI describes these with the request body, and ignores them as parameters.
const BODY_HEADERS = new Set(['content-type', 'content-length', 'accept', 'authorization']);

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const entries = Object.entries(json.properties ?? {}).filter(([name]) => where !== 'header' || !BODY_HEADERS.has(name));
  return entries.map(([name, property]) => ({
    name: where === 'header' ? headerName(name) : name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const BINARY = { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } };

function response(answer: ResponseSpec): JsonSchema {
  return {
    description: answer.description,
    ...(answer.schema ? { content: { 'application/json': { schema: schemaOf(answer.schema, 'output') } } } : {}),
    ...(answer.binary ? { content: answer.mediaType ? { [answer.mediaType]: { schema: { type: 'string' } } } : BINARY } : {}),
    ...(answer.headers
      ? { headers: Object.fromEntries(answer.headers.map((h) => [headerName(h.toLowerCase()), { schema: { type: 'string' } }])) }
      : {}),
  };
}

export function buildOpenApi(specs: readonly OperationSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const responses: Record<string, JsonSchema> = { [spec.success.status]: response(spec.success) };
    for (const alternative of spec.alternatives ?? []) responses[alternative.status] = response(alternative);
    const byStatus = new Map<number, ProblemSlug[]>();
    for (const slug of problemsOf(spec)) {
      const status = PROBLEMS[slug].status;
      byStatus.set(status, [...(byStatus.get(status) ?? []), slug]);
    }
    for (const [status, slugs] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[status] ??= {
        description: slugs.map((s) => PROBLEMS[s].title).join('; '),
        'x-problem-types': slugs.map((s) => PROBLEM_BASE + s),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = {
      summary: spec.summary,
      ...(spec.minRole ? { 'x-min-role': spec.minRole, security: SECURITY } : { security: [] }),
      parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query'), ...parameters(spec.headers, 'header')],
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(spec.body, 'input') } } } } : {}),
      ...(spec.streamBody
        ? { requestBody: { required: true, content: spec.streamMediaType ? { [spec.streamMediaType]: { schema: {} } } : STREAMED_BODY } }
        : {}),
      responses,
      ...spec.extensions,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Infrastructure Action Tracker API', version },
    paths,
    components: {
      schemas: { Problem: schemaOf(Problem, 'output') },
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer', description: 'An API token (`iat_…`), in every AUTH_MODE: POST /api/v1/tokens' },
        user: {
          type: 'apiKey',
          in: 'header',
          name: 'X-User',
          description: 'AUTH_MODE=trusted-headers, set by the proxy: 1–64 of A-Z a-z 0-9 . _ @ -',
        },
        role: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Role',
          description: 'AUTH_MODE=trusted-headers, set by the proxy: viewer, member, lead or admin',
        },
        proxy: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Proxy-Secret',
          description: 'With TRUSTED_PROXY_SECRET: the proxy vouches for X-User and X-Role',
        },
        alb: {
          type: 'apiKey',
          in: 'header',
          name: 'x-amzn-oidc-data',
          description: 'AUTH_MODE=alb-oidc: the ES256 token the load balancer sends once it has signed the user in',
        },
      },
    },
  };
}

/** Any one of these identifies the caller of an operation with a role (which ones count depends on AUTH_MODE). */
const SECURITY = [{ token: [] }, { user: [], role: [] }, { user: [], role: [], proxy: [] }, { alb: [] }];

/** An upload: multipart parts named `file`, or the raw file (its name in ?filename=). */
const STREAMED_BODY = {
  'multipart/form-data': {
    schema: { type: 'object', properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } }, required: ['file'] },
  },
  ...BINARY,
};
