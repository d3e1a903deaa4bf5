// Cheaper writes of actions: what every create and status change costs the
// database, which does not scale out with the app's tasks (bench:limit).
// Applied migrations are checksummed: never edit this file once released.
export default /* sql */ `
-- Every write sets updated_at, which the list order indexes hold, so no update
-- of an action is HOT: each write adds an entry to every index of the table.
-- Status, owner and component filters are served by the ordered list indexes
-- instead (a page of 50 is cut from an index walk).
DROP INDEX actions_status;
DROP INDEX actions_owner;
DROP INDEX actions_component;

-- The search vector becomes a column the write statements set, no longer a
-- generated one. As a generated column it was recomputed on every write (a status
-- change included), through an IMMUTABLE SQL function around the STABLE
-- array_to_string that PostgreSQL never inlines, so every write planned the body
-- anew: 350 µs of PostgreSQL CPU per create, against 245 µs now (bench:limit). The
-- function is now STABLE, as its body is, so a statement inlines it. A row without
-- its vector cannot be written (NOT NULL); the statements that change what it is
-- made of set it again (lib/db/actions.ts, kept honest by a test).
ALTER TABLE actions ALTER COLUMN search DROP EXPRESSION;
ALTER TABLE actions ALTER COLUMN search SET NOT NULL;
CREATE OR REPLACE FUNCTION action_search_vector(title text, description text, resolution_notes text,
                                                owner text, component text, tags text[])
RETURNS tsvector LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(owner, '') || ' ' || coalesce(component, '') || ' '
                                                    || coalesce(array_to_string(tags, ' '), '')), 'B')
      || setweight(to_tsvector('english'::regconfig, coalesce(description, '') || ' ' || coalesce(resolution_notes, '')), 'C')
$$;
`;
