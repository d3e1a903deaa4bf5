// "Deleted": who deleted which action and when (GET /api/v1/deletions, which
// every role may read), from the header's Deleted button.
import type { z } from 'zod';
import type { Deletion } from '../../lib/domain/action-schema';
import { api, errorText } from './api';
import { modal } from './dialogs';
import { byId, fill, h } from './dom';
import { timeAgo } from './format';

type DeletionRecord = z.output<typeof Deletion>;

const LIMIT = 200;

export function openDeletions(): void {
  const m = modal('Deleted actions', { size: 'wide', fallbackFocus: () => byId('show-deletions') });
  const content = h('div', { 'data-testid': 'deletions' }, h('p', { class: 'muted' }, 'Loading…'));
  m.body.append(content);
  api<{ items: DeletionRecord[] }>('GET', `/api/v1/deletions?limit=${LIMIT}`)
    .then(({ items }) => {
      if (!items.length) return fill(content, h('p', { class: 'muted' }, 'No action has been deleted.'));
      fill(
        content,
        h(
          'table',
          { class: 'deletions' },
          h('caption', { class: 'muted' }, `Newest first${items.length === LIMIT ? `, the latest ${LIMIT}` : ''}`),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Action', 'Title', 'Deleted by', 'When'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            null,
            items.map((d) =>
              h(
                'tr',
                { 'data-id': d.action_id },
                h('td', null, d.key),
                h('td', { class: 'title' }, d.title),
                h('td', null, d.deleted_by, h('span', { class: 'muted' }, ` (${d.role})`)),
                h('td', null, timeAgo(d.deleted_at)),
              ),
            ),
          ),
        ),
      );
    })
    .catch((error: unknown) => fill(content, h('p', { role: 'alert' }, errorText(error))));
}

/** The header's Deleted button. */
export function initDeletions(): void {
  const button = byId<HTMLButtonElement>('show-deletions');
  button.hidden = false;
  button.addEventListener('click', openDeletions);
}
