// The dependencies of a running process, opened from its configuration: the
// database of DATABASE_URL (or embedded PGlite), the evidence store of
// EVIDENCE_BUCKET (or local disk), the root logger, the health state.
import { Authenticator } from './auth/authenticator';
import type { Config } from './config';
import { openDatabase } from './db/database';
import { LiveEvents } from './events/live';
import { Health } from './health';
import type { Logger } from './log';
import type { Runtime } from './operation/deps';
import { openEvidenceStore } from './storage/index';

export type { Runtime } from './operation/deps';

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const db = await openDatabase(config, logger);
  try {
    const store = await openEvidenceStore(config);
    return {
      db,
      store,
      config,
      logger,
      health: new Health(),
      auth: new Authenticator({ config, db, logger }),
      events: new LiveEvents(db, logger),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
