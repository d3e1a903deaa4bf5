import { z } from 'zod';
import { text } from '../../lib/domain/action-schema';
import { CorrelationQuery, INVENTORY_LIMITS, IngestResult } from '../../lib/domain/inventory-schema';
import { readTerraform } from '../../lib/ingest/terraform';
import {
  correlationOf,
  countedIngest,
  ingestHeaders,
  INGEST_PROBLEMS,
  readJsonDocument,
  recordOnChange,
  withDocument,
} from '../../lib/ingest/receive';
import { operation } from '../../lib/operation/operation';

const spec = {
  method: 'POST',
  path: '/api/v1/ingest/terraform',
  summary:
    'Ingest `terraform show -json` of a plan or a state onto the change of its correlation key (created if missing); the document is kept as an artifact',
  minRole: 'member',
  query: z.strictObject({ ...CorrelationQuery, title: text({ min: 1, max: INVENTORY_LIMITS.changeTitle }).optional() }),
  headers: ingestHeaders,
  streamBody: true,
  streamMediaType: 'application/json',
  success: { status: 201, description: 'The change the document was recorded on', schema: IngestResult, headers: ['Location'] },
  alternatives: [
    {
      status: 200,
      description: 'A replay: this document with this correlation key was ingested before; nothing was written',
      schema: IngestResult,
    },
  ],
  problems: INGEST_PROBLEMS,
  extensions: { 'x-streamed-body': true },
} as const;

export default countedIngest(
  'terraform',
  operation(spec, async ({ db, store, config, log, query, headers, identity, bodyStream }) =>
    withDocument(bodyStream, headers, config, async (document) => {
      const tf = readJsonDocument(document.bytes, readTerraform);
      const plan = tf.kind === 'terraform-plan';
      const { create, update, delete: destroy, replace } = tf.counts;
      return recordOnChange({ db, store, log, identity }, document, {
        key: correlationOf(query),
        title: query.title ?? null,
        defaultTitle: plan
          ? `Terraform plan: ${create} to add, ${update} to change, ${destroy} to destroy, ${replace} to replace`
          : `Terraform state: ${tf.instances.length} instance${tf.instances.length === 1 ? '' : 's'}`,
        source: 'terraform',
        startedAt: tf.timestamp,
        // A state is what an apply left: the change is done by the time it is posted.
        finishedAt: plan ? null : (tf.timestamp ?? new Date().toISOString()),
        kind: tf.kind,
        content: {
          tool: 'terraform',
          outcome: plan ? 'planned' : 'succeeded',
          counts: tf.counts,
          resources: tf.resources.map((r) => ({ address: r.address, type: r.type, name: r.name, action: r.action })),
          instanceIds: tf.instanceIds,
        },
      });
    }),
  ),
);
