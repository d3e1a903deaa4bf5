// Direct-to-S3 uploads the browser has been handed a presigned URL for, until
// they are completed (then they become evidence rows) or expire (then the
// reconcile command removes the row and any object).
// Applied migrations are checksummed: never edit this file once released.
export default /* sql */ `
CREATE TABLE evidence_uploads (
  id           uuid PRIMARY KEY,
  action_id    bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  filename     text NOT NULL,
  content_type text NOT NULL,
  size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
  sha256       text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key  text NOT NULL UNIQUE,
  created_by   text NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  expires_at   timestamptz(3) NOT NULL
);
CREATE INDEX evidence_uploads_expiry ON evidence_uploads (expires_at);
`;
