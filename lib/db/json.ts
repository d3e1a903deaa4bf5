// SQL fragments that render the API's JSON inside PostgreSQL, shared by the
// statements about actions and about evidence.

/** One evidence row `e` as the API's Evidence object. */
export const EVIDENCE_JSON = `(SELECT row_to_json(r) FROM (SELECT e.id, e.action_id, e.filename, e.content_type, e.size_bytes,
  e.sha256, e.uploaded_by, api_time(e.uploaded_at) AS uploaded_at) r)`;

/** A JSON array of row_to_json texts, without json_agg's extra white space. */
export const jsonArray = (element: string, orderBy: string, from: string) =>
  `('[' || coalesce((SELECT string_agg(${element}::text, ',' ORDER BY ${orderBy}) FROM ${from}), '') || ']')`;
