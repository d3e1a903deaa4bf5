import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { feedAfter, feedHead, type FeedItem } from '../../lib/db/live-events';
import { REPLAY_LIMIT, type LiveStream } from '../../lib/events/live';
import { operation } from '../../lib/operation/operation';
import { streamed } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';

const spec = {
  method: 'GET',
  path: '/api/v1/events',
  summary:
    'Live updates as Server-Sent Events: each change to an action, each piece of host activity (a probe’s status change among it) ' +
    'and each change written, as it commits, on whichever replica it was made; ' +
    'resumes after Last-Event-ID without a gap, or sends `reset` (reload)',
  minRole: 'viewer',
  headers: z.object({
    'last-event-id': z
      .string()
      .regex(/^\d{0,15}$/, 'is not an event id of this API')
      .optional()
      .meta({ description: 'The id of the last event received: the stream resumes after it' }),
  }),
  success: {
    status: 200,
    description:
      'text/event-stream. Events: `ready` {last_event_id}, `action` {event_id, kind, actor, at, from_status, to_status, note, action}, ' +
      '`deleted` {event_id, action_id, key, actor, at}, `host` {event_id, activity, host}, `change` {event_id, change}, ' +
      '`reset` {reason}; a comment every 15 s keeps the connection open',
    binary: true,
    mediaType: 'text/event-stream',
    headers: ['cache-control'],
  },
  problems: [],
} as const;

/** A comment this often keeps the ALB (60 s idle timeout) and any proxy from closing a quiet stream. */
export const KEEP_ALIVE_MS = 15_000;
/** What a reader that stopped reading may leave unread before its stream is cut (it reconnects and resumes). */
const MAX_UNREAD_BYTES = 1 << 20;
/** How a page waits before reconnecting, in ms (the SSE `retry` field). */
const RETRY_MS = 3000;

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // A proxy that buffers responses (nginx) would hold the events back.
  'x-accel-buffering': 'no',
};

export default operation(spec, async ({ db, events, streams, headers, auth, event, config, log }) => {
  const header = headers['last-event-id'];
  const after = header ? Number(header) : undefined;
  const out = new PassThrough();
  const write = (text: string) => {
    if (out.destroyed || out.writableEnded) return;
    out.write(text);
    if (out.readableLength + out.writableLength > MAX_UNREAD_BYTES) out.destroy();
  };
  let lastId = 0;
  const seen = new Set<number>();
  const message = (event: string, data: unknown, id?: number) => {
    let text = '';
    // The page resumes from the highest id it was sent; a late commit replayed again carries none.
    if (id !== undefined && id > lastId) {
      lastId = id;
      text += `id: ${id}\n`;
    }
    write(`${text}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const items = (list: readonly FeedItem[]) => {
    for (const item of list) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      if (seen.size > 4 * REPLAY_LIMIT) seen.delete(seen.values().next().value!);
      message(item.event, item.data, item.id);
    }
  };
  const reset = (reason: string, head: number) => message('reset', { reason }, head);

  /** The start of every stream: where the feed is, and what the page missed since its Last-Event-ID. */
  const begin = async (replay: (after: number) => Promise<FeedItem[] | 'too-far'>, head: number) => {
    write(`retry: ${RETRY_MS}\n\n`);
    if (after === undefined) return message('ready', { last_event_id: head }, head);
    message('ready', { last_event_id: head });
    if (after > head) return reset('The Last-Event-ID given is not of this feed.', head);
    const missed = await replay(after);
    if (missed === 'too-far') return reset('Too much changed since the Last-Event-ID given.', head);
    lastId = after;
    items(missed);
  };

  if (!events || !streams) {
    // A Lambda answers once: what there is to replay; the page reconnects after `retry`.
    await begin((id) => feedAfter(db, id, REPLAY_LIMIT), await feedHead(db));
    out.end();
    return streamed(200, { ...HEADERS }, out);
  }

  // Items that arrive while the replay is read wait for it, then go in order (duplicates dropped).
  let held: FeedItem[] | null = [];
  const stream: LiveStream = {
    send: (list) => (held ? held.push(...list) : items(list)),
    reset: (reason) =>
      void events.head().then(
        (head) => reset(reason, head),
        () => reset(reason, lastId),
      ),
    end: () => out.end(),
  };
  const unsubscribe = await events.subscribe(stream);
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS).unref();
  // The caller is asked again now and then: a token revoked or expired, a sign-in that
  // lapsed ends the stream, and the page's reconnect hears why. A check that cannot be
  // made (the database or the ALB's keys away) leaves the stream as it is.
  const recheck = setInterval(() => {
    auth
      .authenticate(event, () => log)
      .then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof HttpProblem && (error.status === 401 || error.status === 403)) out.end();
        },
      );
  }, config.LIVE_REAUTH_S * 1000).unref();
  out.once('close', () => {
    clearInterval(keepAlive);
    clearInterval(recheck);
    unsubscribe();
  });
  try {
    await begin((id) => events.replay(id), await events.head());
  } catch (error) {
    out.destroy();
    throw error;
  }
  const waiting = held;
  held = null;
  items(waiting);
  return streamed(200, { ...HEADERS }, out);
});
