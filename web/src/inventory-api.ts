// The estate as the page shows it: the API's host and change shapes (types
// only, from lib/domain/inventory-schema.ts), their words, and the badges and
// counts the hosts, changes and action views share.
import type { z } from 'zod';
import type * as inventory from '../../lib/domain/inventory-schema';
import { ApiError, identityHeaders, readProblem, session } from './api';
import { h } from './dom';

export type Host = z.output<typeof inventory.Host>;
export type HostList = z.output<typeof inventory.HostList>;
export type HostActivity = z.output<typeof inventory.HostActivity>;
export type HostActivityList = z.output<typeof inventory.HostActivityList>;
export type Change = z.output<typeof inventory.Change>;
export type ChangeList = z.output<typeof inventory.ChangeList>;
export type ChangeDetail = z.output<typeof inventory.ChangeDetail>;
export type RelatedChanges = z.output<typeof inventory.RelatedChanges>;
export type Artifact = z.output<typeof inventory.Artifact>;
export type HostStatus = Host['status'];
export type ChangeOutcome = Change['outcome'];
export type TaskOutcome = ChangeDetail['tasks'][number]['outcome'];
export type ActivityKind = HostActivity['kind'];
export type ActivityOutcome = HostActivity['outcome'];
export type Source = Host['source'];

/** What the live stream sends for host activity and changes (lib/db/live-events.ts). */
export interface HostEvent {
  event_id: number;
  activity: HostActivity;
  host: Host;
}
export interface ChangeEvent {
  event_id: number;
  change: Change;
}

// Records over the API's own unions: a value added there fails the page's type check until it has its words here.
export const HOST_STATUS_LABEL: Record<HostStatus, string> = {
  healthy: 'Healthy',
  unhealthy: 'Unhealthy',
  unknown: 'Unknown',
  retired: 'Retired',
};
export const OUTCOME_LABEL: Record<ChangeOutcome, string> = {
  planned: 'Planned',
  succeeded: 'Succeeded',
  failed: 'Failed',
  partial: 'Partly failed',
  unknown: 'Unknown',
};
export const ACTIVITY_OUTCOME_LABEL: Record<ActivityOutcome, string> = {
  succeeded: 'Succeeded',
  changed: 'Changed',
  failed: 'Failed',
  unreachable: 'Unreachable',
  skipped: 'Skipped',
};
export const SOURCE_LABEL: Record<Source, string> = { manual: 'Manual', terraform: 'Terraform', ansible: 'Ansible' };
/** The kinds a person records by hand (probe, ansible and inventory are the service's own). */
export const MANUAL_KINDS = ['patch', 'reboot', 'install', 'config', 'other'] as const satisfies readonly ActivityKind[];

const keys = <K extends string>(record: Record<K, string>) => Object.keys(record) as K[];
export const HOST_STATUSES = keys(HOST_STATUS_LABEL);
export const CHANGE_OUTCOMES = keys(OUTCOME_LABEL);
export const SOURCES = keys(SOURCE_LABEL);

/** healthy green, unknown amber, unhealthy red, retired grey: the word is always there, the colour helps. */
export const hostBadge = (status: HostStatus): HTMLSpanElement =>
  h('span', { class: `badge host-${status}`, 'data-testid': 'host-status', 'data-status': status }, HOST_STATUS_LABEL[status]);

export const outcomeBadge = (outcome: ChangeOutcome): HTMLSpanElement =>
  h('span', { class: `badge outcome-${outcome}`, 'data-testid': 'change-outcome' }, OUTCOME_LABEL[outcome]);

export const taskBadge = (outcome: TaskOutcome | ActivityOutcome, msg?: string | null): HTMLSpanElement =>
  h('span', { class: `badge task-${outcome}`, title: msg || null }, outcome);

const COUNTS = [
  ['create', '+', 'to add'],
  ['update', '~', 'to change'],
  ['delete', '-', 'to destroy'],
  ['replace', '±', 'to replace'],
] as const;

/** "+3 ~1 -0 ±1" as Terraform marks them, read out as "3 to add, 1 to change, 0 to destroy, 1 to replace". */
export function countsText(counts: Change['counts']): HTMLSpanElement {
  return h(
    'span',
    { class: 'counts', 'data-testid': 'change-counts' },
    h(
      'span',
      { 'aria-hidden': 'true' },
      COUNTS.map(([key, mark]) => h('span', { class: `count-${key}${counts[key] ? '' : ' zero'}` }, `${mark}${counts[key]}`)),
    ),
    h('span', { class: 'vh' }, COUNTS.map(([key, , words]) => `${counts[key]} ${words}`).join(', ')),
  );
}

/** A commit as people quote it: its first 7 digits, the whole SHA in its title. */
export const shortSha = (sha: string | null): HTMLElement | string =>
  sha ? h('code', { class: 'sha', title: sha }, sha.slice(0, 7)) : '—';

/** "prod / web", "prod", "web" or "—". */
export const scope = (environment: string | null, component: string | null): string =>
  [environment, component].filter(Boolean).join(' / ') || '—';

/**
 * Saves a download through a blob URL: locally the page must send its
 * identity headers, which a plain link cannot.
 */
export async function saveFile(link: HTMLAnchorElement, filename: string, report: (message: string) => void): Promise<void> {
  link.setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(link.href, { headers: identityHeaders(), credentials: 'same-origin' });
    if (!response.ok)
      throw new ApiError(
        await readProblem(response.status, response.statusText, response.headers.get('content-type'), () => response.text()),
      );
    const url = URL.createObjectURL(await response.blob());
    const a = h('a', { href: url, download: filename, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    // Behind the proxy the browser can fetch it itself.
    if (!(error instanceof ApiError) && session.mode === 'proxy') return void location.assign(link.href);
    report(`Download of ${filename} failed: ${error instanceof ApiError ? error.message : 'cannot reach the server.'}`);
  } finally {
    link.removeAttribute('aria-busy');
  }
}
