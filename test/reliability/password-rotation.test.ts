// The password rotates under a running process (RDS-managed master credentials):
// a server of the test's own with SCRAM authentication, the app's pool reading
// its password through a PasswordSource. After ALTER ROLE … PASSWORD (what a
// rotation does) and the secret's new value, requests keep working: the refused
// connection re-reads the secret and retries once; no restart, no failed request.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgres, type Database } from '../../lib/db/database';
import { DatabaseUnavailable } from '../../lib/db/errors';
import { secretPassword } from '../../lib/db/password';
import { postgresOptions } from '../support/app';
import { describeRequiring } from '../support/fault-proxy';
import { postgresBinDir, PRIVATE_POSTGRES_HINT, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { createLogger } from '../../lib/log';

describeRequiring(
  'the database password rotates under a running process',
  postgresBinDir()
    ? undefined
    : { check: 'has the PostgreSQL server binaries', message: `this suite ${PRIVATE_POSTGRES_HINT}`, skipReason: PRIVATE_POSTGRES_HINT },
  () => {
    let server: PrivatePostgres;
    let admin: pg.Client;
    let secret = { username: 'tracker', password: 'first-Password-1' };
    let reads = 0;
    const warnings: string[] = [];
    const logger = createLogger('warn', {
      write(line: string) {
        warnings.push(JSON.parse(line).msg);
      },
    });
    let db: Database;
    let url: string;

    beforeAll(async () => {
      server = await startPrivatePostgres('admin-Password-1');
      admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      await admin.query(`CREATE ROLE tracker LOGIN PASSWORD '${secret.password}'`);
      url = `postgres://tracker@127.0.0.1:${server.port}/postgres`;
      const source = secretPassword('arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-test-AbCdEf', {
        read: async () => {
          reads++;
          return JSON.stringify(secret);
        },
      });
      db = openPostgres(url, postgresOptions({ DB_POOL_MAX: 2 }), logger, source);
    }, 60_000);

    afterAll(async () => {
      await db?.close();
      await admin?.end();
      await server?.stop();
    });

    const rotate = async (password: string) => {
      await admin.query(`ALTER ROLE tracker PASSWORD '${password}'`);
      secret = { ...secret, password };
      // Connections already open stay authenticated; drop them so the pool must log in again.
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'tracker'`);
      await new Promise((r) => setTimeout(r, 100));
    };

    it('connects with the password read from the secret (none in the URL)', async () => {
      expect((await db.query<{ who: string }>('SELECT current_user AS who')).rows[0]!.who).toBe('tracker');
      expect(reads).toBe(1);
    });

    it('after a rotation, the next query and the next transaction succeed: the secret is read again, once', async () => {
      await rotate('second-Password-2');
      // The terminated connections were idle: the pool has dropped them, so this query logs in anew.
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 'the first query after the rotation').toBe(1);
      expect(reads, 'one more read of the secret').toBe(2);
      expect(warnings).toContain('the database refused the password: reading it again (rotated?)');

      await rotate('third-Password-3');
      const inTx = await db.transaction(async (tx) => (await tx.query<{ who: string }>('SELECT current_user AS who')).rows[0]!.who);
      expect(inTx).toBe('tracker');
      expect(reads).toBe(3);
    });

    it('a password that stays wrong is a 503 without detail, not a crash', async () => {
      await admin.query(`ALTER ROLE tracker PASSWORD 'not-what-the-secret-says'`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'tracker'`);
      await new Promise((r) => setTimeout(r, 100));
      await db.query('SELECT 1').catch(() => undefined);
      const error = await db.query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseUnavailable);
      expect((error as DatabaseUnavailable).toProblem().message).toBe('The database is unavailable; try again shortly.');
    });
  },
);
