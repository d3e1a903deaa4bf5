// timestamptz as the API writes it: ISO 8601 in UTC with milliseconds
// (`2026-12-01T19:52:50.120Z`). Columns are timestamptz(3), so the text
// PostgreSQL sends ("2026-12-01 19:52:50.12+00" in a UTC session) converts by
// slicing, without building a Date per value (pg's Date parsing was ~12% of a
// bare server's CPU on the list; PLATFORM.md).
// Also the form PostgreSQL writes inside JSON ("2026-12-01T19:52:50.12+00:00").
const PG_TIMESTAMPTZ = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/;

export function apiTimestamp(text: string): string {
  // The common case: a UTC session, so the offset is +00 (+00:00 in JSON).
  const offset = text.endsWith('+00') ? 3 : text.endsWith('+00:00') ? 6 : 0;
  if (offset > 0 && text.length >= 19 + offset) {
    const end = text.length - offset;
    const fraction = end === 19 ? '000' : (text.slice(20, end) + '00').slice(0, 3);
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
  }
  const m = PG_TIMESTAMPTZ.exec(text);
  if (!m) throw new RangeError(`not a PostgreSQL timestamptz: ${JSON.stringify(text.slice(0, 40))}`);
  const [, y, mo, d, h, mi, s, frac = '', sign, oh, om = '0', os = '0'] = m;
  const offsetMs = (sign === '-' ? -1 : 1) * ((Number(oh) * 60 + Number(om)) * 60 + Number(os)) * 1000;
  // Not Date.UTC: it maps years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), Number((frac + '000').slice(0, 3)));
  return new Date(date.getTime() - offsetMs).toISOString();
}
