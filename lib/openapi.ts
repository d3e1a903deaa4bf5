// The machine-readable contract, generated from the very schemas the handlers
// validate with, so it cannot drift from what the service accepts.
import { z } from 'zod';
import { Problem } from './domain/action-schema';
import { PROBLEM_TYPES, type ProblemStatus } from './problems';
import type { OperationSpec } from './middleware/operation';

type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

export function buildOpenApi(specs: readonly OperationSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const common: ProblemStatus[] = spec.minRole ? [401, 403] : [];
    const problemCodes = [...new Set([...common, ...spec.problems, ...(spec.body ? [413] : [])])].sort() as ProblemStatus[];
    const responses: Record<string, JsonSchema> = {
      [spec.success.status]: {
        description: spec.success.description,
        ...(spec.success.schema ? { content: { 'application/json': { schema: schemaOf(spec.success.schema, 'output') } } } : {}),
        ...(spec.success.headers ? { headers: Object.fromEntries(spec.success.headers.map((h) => [h, { schema: { type: 'string' } }])) } : {}),
      },
    };
    for (const code of problemCodes) {
      const entry = PROBLEM_TYPES[code];
      responses[code] = {
        description: entry ? entry[1] : 'Problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = {
      summary: spec.summary,
      ...(spec.minRole ? { 'x-min-role': spec.minRole, security: [{ user: [], role: [] }] } : { security: [] }),
      parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(spec.body, 'input') } } } } : {}),
      ...(spec.streamBody ? { requestBody: { required: true, content: STREAMED_BODY } } : {}),
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
        user: { type: 'apiKey', in: 'header', name: 'X-User', description: 'Set by the proxy: 1–64 of A-Z a-z 0-9 . _ @ -' },
        role: { type: 'apiKey', in: 'header', name: 'X-Role', description: 'Set by the proxy: viewer, member, lead or admin' },
      },
    },
  };
}

/** An upload: multipart parts named `file`, or the raw file (its name in ?filename=). */
const STREAMED_BODY = {
  'multipart/form-data': {
    schema: { type: 'object', properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } }, required: ['file'] },
  },
  'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
};
