// The PostgreSQL password, read from Secrets Manager when the deployment keeps
// it there (RDS-managed master credentials: a JSON secret with `password`,
// which RDS rotates). node-postgres asks for the password on every new
// connection; the value is cached, re-read after a few minutes, and re-read at
// once when the server refuses it, so a rotation costs no restart and, with
// the retry in database.ts, no failed request.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DatabaseUnavailable } from './errors';

export interface PasswordSource {
  /** The password for a new connection (cached). */
  get(): Promise<string>;
  /** The server refused the cached password: the next get() reads the secret again. */
  invalidate(): void;
}

/** What reads a secret's string; the real one is Secrets Manager's GetSecretValue. */
export type SecretReader = (secretId: string) => Promise<string | undefined>;

export interface SecretPasswordOptions {
  region?: string | undefined;
  /** How long a read password is reused before it is read again. */
  maxAgeMs?: number;
  read?: SecretReader;
  now?: () => number;
}

export const PASSWORD_MAX_AGE_MS = 5 * 60_000;

/** Secrets Manager's GetSecretValue; the SDK is loaded at the first read, as the S3 store's is, not at start-up. */
export function secretsManagerReader(region: string | undefined): SecretReader {
  let client: SecretsManagerClient | undefined;
  return async (secretId) => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    client ??= new SecretsManagerClient(region ? { region } : {});
    return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  };
}

/** The password in a secret's string: RDS writes `{"username":…,"password":…}`; a plain string is taken as is. */
export function passwordOf(secretString: string | undefined): string {
  if (secretString === undefined || secretString === '') throw new Error('the secret holds no string');
  if (!secretString.trimStart().startsWith('{')) return secretString;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error('the secret is not valid JSON');
  }
  const password = (parsed as { password?: unknown } | null)?.password;
  if (typeof password !== 'string' || password === '') throw new Error('the secret has no "password" string');
  return password;
}

export function secretPassword(secretId: string, options: SecretPasswordOptions = {}): PasswordSource {
  const read = options.read ?? secretsManagerReader(options.region);
  const maxAgeMs = options.maxAgeMs ?? PASSWORD_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  let cached: { value: string; at: number } | undefined;
  // Connections opened together share one read.
  let pending: Promise<string> | undefined;

  const load = async (): Promise<string> => {
    let value: string;
    try {
      value = passwordOf(await read(secretId));
    } catch (error) {
      // The log says which secret and why (never what it holds); the client only gets a 503.
      const why = error instanceof Error ? (error.name === 'Error' ? error.message : error.name) : 'unknown error';
      throw new DatabaseUnavailable('The database is unavailable; try again shortly.', {
        cause: new Error(`the database password could not be read from ${secretId}: ${why}`, { cause: error }),
      });
    }
    cached = { value, at: now() };
    return value;
  };

  return {
    get() {
      if (cached && now() - cached.at < maxAgeMs) return Promise.resolve(cached.value);
      pending ??= load().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
