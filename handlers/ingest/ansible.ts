import { z } from 'zod';
import { text } from '../../lib/domain/action-schema';
import { CorrelationQuery, INVENTORY_LIMITS, IngestResult } from '../../lib/domain/inventory-schema';
import type { AnsibleContent, ChangeOutcome } from '../../lib/db/changes';
import { readAnsibleRecap, type AnsibleHostStats } from '../../lib/ingest/ansible';
import {
  correlationOf,
  countedIngest,
  ingestHeaders,
  INGEST_PROBLEMS,
  oneLine,
  readJsonDocument,
  recordOnChange,
  withDocument,
} from '../../lib/ingest/receive';
import { operation } from '../../lib/operation/operation';

const spec = {
  method: 'POST',
  path: '/api/v1/ingest/ansible',
  summary:
    "Ingest a play recap (Ansible's json stdout callback) onto the change of its correlation key (created if missing): task outcomes per host, stats, host activity",
  minRole: 'member',
  query: z.strictObject({ ...CorrelationQuery, title: text({ min: 1, max: INVENTORY_LIMITS.changeTitle }).optional() }),
  headers: ingestHeaders,
  streamBody: true,
  streamMediaType: 'application/json',
  success: { status: 201, description: 'The change the recap was recorded on', schema: IngestResult, headers: ['Location'] },
  alternatives: [
    {
      status: 200,
      description: 'A replay: this recap with this correlation key was ingested before; nothing was written',
      schema: IngestResult,
    },
  ],
  problems: INGEST_PROBLEMS,
  extensions: { 'x-streamed-body': true },
} as const;

const troubled = (s: AnsibleHostStats) => s.failures > 0 || s.unreachable > 0;

/** Failures or unreachable on every host: failed; on some: partial; on none: succeeded. */
function outcomeOf(stats: AnsibleHostStats[]): ChangeOutcome {
  const bad = stats.filter(troubled).length;
  return bad === 0 ? 'succeeded' : bad === stats.length ? 'failed' : 'partial';
}

const activityOf = (s: AnsibleHostStats): AnsibleContent['hosts'][number]['activity'] =>
  s.failures > 0 ? 'failed' : s.unreachable > 0 ? 'unreachable' : s.changed > 0 ? 'changed' : 'succeeded';

export default countedIngest(
  'ansible',
  operation(spec, async ({ db, store, config, log, query, headers, identity, bodyStream }) =>
    withDocument(bodyStream, headers, config, async (document) => {
      const recap = readJsonDocument(document.bytes, readAnsibleRecap);
      const play = recap.plays[0]?.name ? oneLine(recap.plays[0].name, 300) : 'run';
      return recordOnChange({ db, store, log, identity }, document, {
        key: correlationOf(query),
        title: query.title ?? null,
        defaultTitle: oneLine(`Ansible: ${play}`, INVENTORY_LIMITS.changeTitle),
        source: 'ansible',
        startedAt: recap.startedAt,
        finishedAt: recap.finishedAt,
        kind: 'ansible-recap',
        content: {
          tool: 'ansible',
          outcome: outcomeOf(recap.stats),
          tasks: recap.tasks.map((t) => ({
            position: t.position,
            play: t.play,
            task: t.task,
            hostname: t.hostname,
            outcome: t.outcome,
            msg: t.msg,
          })),
          hosts: recap.stats.map((s) => ({
            ...s,
            summary: oneLine(
              `Ansible ${play}: ok=${s.ok} changed=${s.changed} failed=${s.failures} unreachable=${s.unreachable}`,
              INVENTORY_LIMITS.summary,
            ),
            activity: activityOf(s),
          })),
        },
      });
    }),
  ),
);
