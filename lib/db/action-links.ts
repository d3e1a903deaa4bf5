// The links of actions to hosts and to changes. A link made or taken away is
// an audit event on the action and a new version of it, written in the same
// statement as the link (as every write on an action is); making a link that
// exists writes nothing. What each link names is locked FOR KEY SHARE while it
// is written, so a host, change or action deleted meanwhile is found gone
// rather than failing a foreign key.
import type { Identity } from '../domain/roles';
import { C_COLUMNS, changeOf, type Change, type ChangeRow } from './changes';
import type { Queryable, Statement } from './database';
import { hostColumnsOf, hostOf, type Host, type HostRow } from './hosts';

/** Why a link could not be made or taken away. */
export type LinkRefusal = 'action_not_found' | 'target_not_found' | 'not_linked';
export type LinkOutcome = { ok: true; written: boolean } | { ok: false; reason: LinkRefusal };

interface LinkRow {
  action: boolean;
  target: boolean;
  written: number;
}

const outcomeOf = (row: LinkRow, missing: LinkRefusal | undefined): LinkOutcome => {
  if (!row.action) return { ok: false, reason: 'action_not_found' };
  if (!row.target) return { ok: false, reason: 'target_not_found' };
  if (row.written === 0 && missing) return { ok: false, reason: missing };
  return { ok: true, written: row.written > 0 };
};

/**
 * The link and unlink statements of one kind of target: its link table, the
 * event kinds, and how the event names it (`{"host": [null, "web-1"]}`).
 */
function linkStatements(kind: 'host' | 'change') {
  const table = kind === 'host' ? 'action_hosts' : 'action_changes';
  const target = kind === 'host' ? 'hosts' : 'changes';
  const column = `${kind}_id`;
  const label = kind === 'host' ? 't.hostname' : `'#' || t.id || ' ' || t.title`;
  const link: Statement = {
    name: `action_${kind}_link`,
    text: `
WITH a0 AS (
  SELECT id FROM actions WHERE id = $1 FOR KEY SHARE
), t AS (
  SELECT id, ${label} AS label FROM ${target} t WHERE id = $2 FOR KEY SHARE
), link AS (
  INSERT INTO ${table} (action_id, ${column}, linked_by)
  SELECT a0.id, t.id, $3 FROM a0, t
  ON CONFLICT DO NOTHING
  RETURNING action_id
), a AS (
  UPDATE actions SET version = version + 1, updated_by = $3, updated_at = now()
  WHERE id IN (SELECT action_id FROM link) RETURNING id
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, changes)
  SELECT a.id, $3, $4, '${kind}_linked', jsonb_build_object('${kind}', jsonb_build_array(NULL, t.label)) FROM a, t
)
SELECT EXISTS (SELECT 1 FROM a0) AS action, EXISTS (SELECT 1 FROM t) AS target, (SELECT count(*) FROM a)::int AS written`,
  };
  const unlink: Statement = {
    name: `action_${kind}_unlink`,
    text: `
WITH gone AS (
  DELETE FROM ${table} WHERE action_id = $1 AND ${column} = $2 RETURNING action_id
), t AS (
  SELECT id, ${label} AS label FROM ${target} t WHERE id = $2
), a AS (
  UPDATE actions SET version = version + 1, updated_by = $3, updated_at = now()
  WHERE id IN (SELECT action_id FROM gone) RETURNING id
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, changes)
  SELECT a.id, $3, $4, '${kind}_unlinked', jsonb_build_object('${kind}', jsonb_build_array(t.label, NULL)) FROM a, t
)
SELECT EXISTS (SELECT 1 FROM actions WHERE id = $1) AS action, EXISTS (SELECT 1 FROM t) AS target,
       (SELECT count(*) FROM a)::int AS written`,
  };
  return { link, unlink };
}

const HOST_LINKS = linkStatements('host');
const CHANGE_LINKS = linkStatements('change');

async function runLink(db: Queryable, statement: Statement, actionId: number, targetId: number, who: Identity) {
  const { rows } = await db.query<LinkRow>(statement, [actionId, targetId, who.user, who.role]);
  return rows[0]!;
}

/** Links a host to an action; linking it again writes nothing. */
export async function linkHost(db: Queryable, actionId: number, hostId: number, who: Identity): Promise<LinkOutcome> {
  return outcomeOf(await runLink(db, HOST_LINKS.link, actionId, hostId, who), undefined);
}

export async function unlinkHost(db: Queryable, actionId: number, hostId: number, who: Identity): Promise<LinkOutcome> {
  return outcomeOf(await runLink(db, HOST_LINKS.unlink, actionId, hostId, who), 'not_linked');
}

export async function linkChange(db: Queryable, actionId: number, changeId: number, who: Identity): Promise<LinkOutcome> {
  return outcomeOf(await runLink(db, CHANGE_LINKS.link, actionId, changeId, who), undefined);
}

export async function unlinkChange(db: Queryable, actionId: number, changeId: number, who: Identity): Promise<LinkOutcome> {
  return outcomeOf(await runLink(db, CHANGE_LINKS.unlink, actionId, changeId, who), 'not_linked');
}

// --------------------------------------------------------------------- read

const ACTION_HOSTS: Statement = {
  name: 'action_hosts_list',
  text: `
SELECT a.id AS found, ${hostColumnsOf('h')}
FROM actions a
LEFT JOIN action_hosts ah ON ah.action_id = a.id
LEFT JOIN hosts h ON h.id = ah.host_id
WHERE a.id = $1
ORDER BY lower(h.hostname)`,
};

/** The hosts linked to an action, by name; undefined for an unknown action. */
export async function actionHosts(db: Queryable, actionId: number): Promise<Host[] | undefined> {
  const { rows } = await db.query<HostRow & { found: number; id: number | null }>(ACTION_HOSTS, [actionId]);
  if (rows.length === 0) return undefined;
  return rows.filter((r) => r.id !== null).map(hostOf);
}

const ACTION_CHANGES: Statement = {
  name: 'action_changes_list',
  text: `
SELECT a.id AS found, ${C_COLUMNS}
FROM actions a
LEFT JOIN action_changes ac ON ac.action_id = a.id
LEFT JOIN changes c ON c.id = ac.change_id
WHERE a.id = $1
ORDER BY c.started_at DESC, c.id DESC`,
};

/** The changes linked to an action, newest first; undefined for an unknown action. */
export async function actionChanges(db: Queryable, actionId: number): Promise<Change[] | undefined> {
  const { rows } = await db.query<ChangeRow & { found: number; id: number | null }>(ACTION_CHANGES, [actionId]);
  if (rows.length === 0) return undefined;
  return rows.filter((r) => r.id !== null).map(changeOf);
}
