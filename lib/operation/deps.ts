// What an operation needs from the process it runs in, handed over when it is
// bound (Fastify's decorated instance, Powertools' injected clients): no
// operation reaches for a module-level database, store or configuration, so a
// test builds the app with its own.
import type { Authenticator } from '../auth/authenticator';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { LiveEvents } from '../events/live';
import type { Health } from '../health';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { EvidenceStore } from '../storage/store';
import type { OperationSpec } from './operation';

export interface Deps {
  db: Database;
  store: EvidenceStore;
  config: Config;
  /** Who a request comes from (AUTH_MODE, API tokens); one per process. */
  auth: Authenticator;
  /** The root logger; each request gets a child of it. */
  logger: Logger;
  /** Whether this process should still receive traffic (draining, failed). */
  health: Health;
  /** Every operation of the app (the OpenAPI document lists them). */
  specs: readonly OperationSpec[];
  /**
   * The app's metrics: createApp makes one registry per app. An operation bound
   * without it (a middleware test) records nothing.
   */
  metrics?: Metrics;
  /** Live updates for open pages (GET /api/v1/events); absent where nothing can hold a stream open. */
  events?: LiveEvents;
}

/** What a process opens (lib/runtime.ts); the app adds the list of its operations. */
export type Runtime = Omit<Deps, 'specs'>;
