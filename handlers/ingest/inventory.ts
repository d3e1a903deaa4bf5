import { z } from 'zod';
import { CorrelationQuery, IngestResult } from '../../lib/domain/inventory-schema';
import { syncInventory } from '../../lib/db/inventory-sync';
import { readInventory } from '../../lib/ingest/inventory';
import { countedIngest, ingestHeaders, INGEST_PROBLEMS, readJsonDocument, withDocument } from '../../lib/ingest/receive';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';

const spec = {
  method: 'POST',
  path: '/api/v1/ingest/inventory',
  summary:
    'Ingest `ansible-inventory --list` or a Terraform state: upsert its hosts with that source, retire the hosts of that source (and environment) it no longer lists',
  minRole: 'member',
  // The whole correlation query is taken, so that a CI script can send the same one to all three; only
  // environment (which also scopes the retiring) and component are used.
  query: z.strictObject(CorrelationQuery),
  headers: ingestHeaders,
  streamBody: true,
  streamMediaType: 'application/json',
  success: { status: 201, description: 'Hosts were created, updated or retired', schema: IngestResult },
  alternatives: [{ status: 200, description: 'The hosts already were as the inventory says: nothing was written', schema: IngestResult }],
  problems: INGEST_PROBLEMS,
  extensions: { 'x-streamed-body': true },
} as const;

export default countedIngest(
  'inventory',
  operation(spec, async ({ db, config, query, headers, identity, bodyStream }) =>
    withDocument(bodyStream, headers, config, async (document) => {
      const inventory = readJsonDocument(document.bytes, readInventory);
      const hosts = await syncInventory(
        db,
        { source: inventory.source, environment: query.environment ?? null, component: query.component ?? null, hosts: inventory.hosts },
        identity,
      );
      const wrote = hosts.created + hosts.updated + hosts.retired > 0;
      return json(wrote ? 201 : 200, { change: null, replayed: false, hosts });
    }),
  ),
);
