// What a database failure means for the request, decided here and nowhere
// else: the engines' errors are classified at the Database boundary into
// errors that carry their problem (503 when the database cannot serve, 400
// when it refused a value). Anything else is passed on untouched: a bug, 500.
import { HttpProblem, type CarriesProblem } from '../problems';

/** The database cannot serve the request now (down, restarting, silent, overloaded, too slow). */
export class DatabaseUnavailable extends Error implements CarriesProblem {
  override name = 'DatabaseUnavailable';
  toProblem(): HttpProblem {
    return new HttpProblem('unavailable', this.message, { headers: { 'retry-after': '5' }, cause: this });
  }
}

/**
 * PostgreSQL refused a value as data (SQLSTATE class 22: a date out of range,
 * a number too large). Input is checked before it reaches the database, so
 * this is the backstop: a 400 without detail. The engine's message is not kept,
 * because it quotes the value it refused.
 */
export class DataRejected extends Error implements CarriesProblem {
  override name = 'DataRejected';
  constructor(
    readonly code: string,
    readonly routine: string | undefined,
  ) {
    super(`the database refused a value (SQLSTATE ${code})`);
  }
  toProblem(): HttpProblem {
    return new HttpProblem('validation', 'The request holds a value that cannot be stored or compared.', { cause: this });
  }
}

// SQLSTATEs: 08 connection exception; 53 insufficient resources (too many connections,
// out of memory, disk full); 57P01-03 shutdown and start-up; 40001/40P01 a conflict
// with a concurrent transaction that a retry resolves.
const UNAVAILABLE_CODES = /^(08...|53...|57P0[1-3]|40001|40P01)$/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// node-postgres says these in words only.
const DRIVER_MESSAGES = new RegExp(
  [
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Query read timeout',
    'not queryable',
    'Cannot use a pool after calling end',
    'connection is insecure',
    'the database system is (starting up|shutting down)',
  ].join('|'),
  'i',
);

/**
 * SQLSTATE class 28, refused at connect: 28P01 invalid_password, 28000
 * invalid_authorization_specification. database.ts re-reads a rotated password on it.
 */
export function isAuthenticationFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '28P01' || code === '28000';
}

/** The error to throw for a failure of the engine: classified when it means something for the client. */
export function classifyDatabaseError(error: unknown): unknown {
  if (error instanceof DatabaseUnavailable || error instanceof DataRejected) return error;
  const e = error as { code?: unknown; routine?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  // The server refused our credentials (a password rotated past us, a role gone). Nothing the client can fix.
  if (isAuthenticationFailure(error)) return new DatabaseUnavailable('The database is unavailable; try again shortly.', { cause: error });
  if (code === '57014') return new DatabaseUnavailable('The database did not answer in time; try again shortly.', { cause: error });
  if (code?.startsWith('22') && code.length === 5) return new DataRejected(code, typeof e?.routine === 'string' ? e.routine : undefined);
  if (
    (code && (UNAVAILABLE_CODES.test(code) || NETWORK_CODES.has(code))) ||
    (typeof e?.message === 'string' && DRIVER_MESSAGES.test(e.message))
  ) {
    return new DatabaseUnavailable('The database is unavailable; try again shortly.', { cause: error });
  }
  return error;
}
