// Live updates for open pages (GET /api/v1/events). Every write's own transaction
// announces its audit event on the channel `action_events` (migration 0005); this
// process listens on one connection of its own, reads each announced event once,
// and hands it to every stream it holds. On PostgreSQL that reaches the pages of
// every replica; on the embedded database there is one process.
//
// The listening connection starts with the first stream, not with the process.
// When it was lost, what was announced meanwhile is read back from the feed, so a
// stream sees no gap; if that is too much, its pages are told to reload.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/database';
import { dropListener, feedAfter, feedHead, feedItems, keepListener, type FeedItem } from '../db/live-events';
import type { Logger } from '../log';

export const CHANNEL = 'action_events';

/** The most a reconnecting stream (or this process, after its connection came back) is replayed. */
export const REPLAY_LIMIT = 500;

/**
 * While it holds streams, a process says so in live_listeners this often (its row
 * lasts LISTENER_TTL_S), and reads the feed after the last id it announced: what a
 * write did not announce (it checked live_listeners before this process's row was
 * there) still reaches the pages, at worst this much later.
 */
export const KEEP_LISTENING_MS = 20_000;
/** After (re)registering, the feed is read again this soon, for the writes then in flight. */
const SETTLE_MS = 2_000;

export interface LiveStream {
  /** New items, in id order. */
  send(items: readonly FeedItem[]): void;
  /** The feed cannot be followed without a gap: the page should reload. */
  reset(reason: string): void;
  /** The process is stopping. */
  end(): void;
}

export class LiveEvents {
  private readonly streams = new Set<LiveStream>();
  private listening: Promise<unknown> | undefined;
  private stopListening: (() => Promise<void>) | undefined;
  private pending = new Set<number>();
  private reading = false;
  private highest = 0;
  private closed = false;
  /** This process in live_listeners. */
  private readonly listener = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private keptAt = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** Ids recently handed to the streams: a catch-up sends only what they have not had. */
  private readonly handed = new Set<number>();

  private readonly keepMs: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: { keepListeningMs?: number } = {},
  ) {
    this.keepMs = options.keepListeningMs ?? KEEP_LISTENING_MS;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * Adds a stream; resolves once this process listens, so that whatever the
   * stream replays afterwards and what it is sent live leave nothing between.
   */
  async subscribe(stream: LiveStream): Promise<() => void> {
    if (this.closed) throw new Error('live events are closed');
    this.streams.add(stream);
    try {
      await (this.listening ??= this.listen());
      // Streams again after a pause long enough for this process's row to lapse.
      if (Date.now() - this.keptAt > this.keepMs) await this.keep();
    } catch (error) {
      this.streams.delete(stream);
      this.listening = undefined;
      throw error;
    }
    return () => void this.streams.delete(stream);
  }

  head(): Promise<number> {
    return feedHead(this.db);
  }

  replay(after: number): Promise<FeedItem[] | 'too-far'> {
    return feedAfter(this.db, after, REPLAY_LIMIT);
  }

  /** Ends every stream and stops listening (the process drains). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    const stop = this.stopListening;
    this.stopListening = undefined;
    if (stop) await dropListener(this.db, this.listener).catch(() => undefined);
    await stop?.().catch(() => undefined);
  }

  /** Refreshes this process's row, then reads what writes in flight meanwhile did not announce. */
  private async keep(): Promise<void> {
    await keepListener(this.db, this.listener);
    this.keptAt = Date.now();
    setTimeout(() => void this.catchUp(), SETTLE_MS).unref();
  }

  private async listen(): Promise<void> {
    this.stopListening = await this.db.listen(CHANNEL, {
      notified: (payload) => this.announced(payload),
      resumed: () => void this.catchUp(),
    });
    this.highest = await feedHead(this.db);
    await this.keep();
    this.ticker = setInterval(() => {
      if (!this.streams.size) return;
      this.keep().catch((err: unknown) => this.logger.warn({ err }, 'could not say this process listens for live events'));
      void this.catchUp();
    }, this.keepMs);
    this.ticker.unref();
    if (this.closed) await this.stopListening();
  }

  private announced(payload: string): void {
    const id = Number(payload);
    if (!Number.isSafeInteger(id) || id <= 0) return;
    this.pending.add(id);
    if (!this.reading) {
      this.reading = true;
      // Whatever else commits in the same turn is read in the same statement.
      setImmediate(() => void this.readPending());
    }
  }

  private async readPending(attempt = 0): Promise<void> {
    const ids = [...this.pending];
    this.pending.clear();
    try {
      this.broadcast(await feedItems(this.db, ids));
    } catch (err) {
      for (const id of ids) this.pending.add(id);
      if (attempt < 5 && !this.closed) {
        setTimeout(() => void this.readPending(attempt + 1), 500 * 2 ** attempt).unref();
        return;
      }
      this.logger.warn({ err, events: ids.length }, 'live events could not be read; open pages are told to reload');
      this.pending.clear();
      this.resetAll('The live feed could not be read.');
    }
    if (this.pending.size && !this.closed) setImmediate(() => void this.readPending());
    else this.reading = false;
  }

  /** After the listening connection came back: what was announced while it was away. */
  private async catchUp(): Promise<void> {
    try {
      const items = await feedAfter(this.db, this.highest, REPLAY_LIMIT);
      if (items !== 'too-far') return this.broadcast(items);
      this.highest = await feedHead(this.db);
      this.resetAll('Too much changed while the live feed was interrupted.');
    } catch (err) {
      this.logger.warn({ err }, 'live events could not be caught up; open pages are told to reload');
      this.resetAll('The live feed was interrupted.');
    }
  }

  private broadcast(all: readonly FeedItem[]): void {
    const items = all.filter((item) => !this.handed.has(item.id));
    if (!items.length) return;
    for (const item of items) this.handed.add(item.id);
    for (const id of this.handed) {
      if (this.handed.size <= 4 * REPLAY_LIMIT) break;
      this.handed.delete(id);
    }
    this.highest = Math.max(this.highest, items[items.length - 1]!.id);
    for (const stream of this.streams) stream.send(items);
  }

  private resetAll(reason: string): void {
    for (const stream of this.streams) stream.reset(reason);
  }
}
