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

-- The search vector as PL/pgSQL. As an IMMUTABLE SQL function around the STABLE
-- array_to_string it was never inlined, so every write planned its body anew
-- (measured: 350 → 235 µs of PostgreSQL CPU per create); PL/pgSQL caches its plan
-- for the session. Same result, so the stored vectors stay valid.
CREATE OR REPLACE FUNCTION action_search_vector(title text, description text, resolution_notes text,
                                                owner text, component text, tags text[])
RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(owner, '') || ' ' || coalesce(component, '') || ' '
                                                    || coalesce(array_to_string(tags, ' '), '')), 'B')
      || setweight(to_tsvector('english'::regconfig, coalesce(description, '') || ' ' || coalesce(resolution_notes, '')), 'C');
END
$$;
`;
