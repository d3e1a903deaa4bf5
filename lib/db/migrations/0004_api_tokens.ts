// API tokens for automation. Only the SHA-256 of a secret is kept: a secret is
// 32 random bytes, so a fast hash is enough (nothing to brute-force), and a
// lookup is one index probe. A revoked token keeps its row (who made it, when it
// was last used) with revoked_at set.
export default /* sql */ `
CREATE TABLE api_tokens (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{1,48}$'),
  role          actor_role NOT NULL,
  secret_sha256 text NOT NULL UNIQUE CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
  created_by    text NOT NULL,
  creator_role  actor_role NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  expires_at    timestamptz(3),
  last_used_at  timestamptz(3),
  revoked_at    timestamptz(3),
  revoked_by    text,
  CONSTRAINT role_within_creator CHECK (role <= creator_role)
);
-- A name is the token's user (token:<name>): unique among the tokens in use.
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
`;
