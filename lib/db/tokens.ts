// Every SQL statement about API tokens. A secret is `iat_` and 43 base64url
// characters (32 random bytes); the table keeps only its SHA-256, so a leaked
// database dump authenticates nothing.
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../domain/roles';
import type { Queryable, Statement } from './database';

export const TOKEN_PREFIX = 'iat_';
/** What a secret looks like; anything else is refused before it costs a query. */
export const TOKEN_SECRET = /^iat_[A-Za-z0-9_-]{43}$/;

export interface TokenRecord {
  id: number;
  name: string;
  role: Role;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/** A token found by its secret: what authentication needs. */
export interface TokenMatch {
  id: number;
  name: string;
  role: Role;
  expired: boolean;
  revoked: boolean;
  /** Whether last_used_at is unset or older than a minute (worth writing). */
  stale_use: boolean;
}

export const newSecret = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');
export const secretDigest = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const COLUMNS = 'id, name, role, created_by, created_at, expires_at, last_used_at';

const INSERT: Statement = {
  name: 'token_insert',
  text: `INSERT INTO api_tokens (name, role, secret_sha256, created_by, creator_role, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING
         RETURNING ${COLUMNS}`,
};

export interface NewToken {
  name: string;
  role: Role;
  expires_at: string | null;
}

/** Stores a new token; undefined when a token in use already has that name. */
export async function createToken(
  db: Queryable,
  input: NewToken,
  creator: { user: string; role: Role },
): Promise<{ record: TokenRecord; secret: string } | undefined> {
  const secret = newSecret();
  const { rows } = await db.query<TokenRecord>(INSERT, [
    input.name,
    input.role,
    secretDigest(secret),
    creator.user,
    creator.role,
    input.expires_at,
  ]);
  return rows[0] ? { record: rows[0], secret } : undefined;
}

const LIST: Statement = {
  name: 'token_list',
  text: `SELECT ${COLUMNS} FROM api_tokens WHERE revoked_at IS NULL ORDER BY id`,
};

/** The tokens in use (expired ones included: they say so), never their secrets. */
export async function listTokens(db: Queryable): Promise<TokenRecord[]> {
  return (await db.query<TokenRecord>(LIST)).rows;
}

const REVOKE: Statement = {
  name: 'token_revoke',
  text: `UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
};

/** Revokes a token; false when there is no such token in use. */
export async function revokeToken(db: Queryable, id: number, by: string): Promise<boolean> {
  return (await db.query(REVOKE, [id, by])).rows.length > 0;
}

const FIND: Statement = {
  name: 'token_find',
  text: `SELECT id, name, role,
                expires_at IS NOT NULL AND expires_at <= now() AS expired,
                revoked_at IS NOT NULL AS revoked,
                last_used_at IS NULL OR last_used_at < now() - interval '1 minute' AS stale_use
           FROM api_tokens WHERE secret_sha256 = $1`,
};

export async function findToken(db: Queryable, secret: string): Promise<TokenMatch | undefined> {
  return (await db.query<TokenMatch>(FIND, [secretDigest(secret)])).rows[0];
}

const TOUCH: Statement = {
  name: 'token_touch',
  text: `UPDATE api_tokens SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
};

export async function touchToken(db: Queryable, id: number): Promise<void> {
  await db.query(TOUCH, [id]);
}
