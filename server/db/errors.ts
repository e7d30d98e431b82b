import { Problem } from '../http/problem.js';
import { AddressError } from '../net/cidr.js';

/**
 * The one place where database failures become answers. Both drivers surface SQLSTATE at
 * error.cause.code under drizzle (postgres.js also at error.code when called directly).
 */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function constraintName(err: unknown): string | undefined {
  const c = (err as { cause?: Record<string, unknown> })?.cause ?? (err as Record<string, unknown>);
  const name = c?.constraint_name ?? c?.constraint;
  return typeof name === 'string' ? name : undefined;
}

/** Serialization failures and deadlocks: the transaction is safe to run again. */
export function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state === '40001' || state === '40P01';
}

const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/**
 * PostgreSQL gone or not answering in time: connection failures (08xxx), shutdown (57P01–57P03),
 * too many connections (53300), statement_timeout (57014) and the session ended by
 * idle_in_transaction_session_timeout (25P03) — see PostgresTimeouts in client.ts.
 */
export function isUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  if (state && (state.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014', '25P03'].includes(state))) return true;
  const e = err as { code?: unknown; cause?: { code?: unknown; message?: unknown }; message?: unknown };
  const code = e?.cause?.code ?? e?.code;
  if (typeof code === 'string' && connectionCodes.has(code)) return true;
  const message = String(e?.cause?.message ?? e?.message ?? '');
  return /PGlite is closed|database is closed/i.test(message);
}

type ConstraintAnswer = (err: unknown) => Problem;
const constraintAnswers = new Map<string, ConstraintAnswer>();

/**
 * Modules name what their constraints mean (e.g. an exclusion constraint → 409 overlap),
 * so the mapping stays beside the schema that defines the constraint.
 */
export function explainConstraint(name: string, answer: ConstraintAnswer): void {
  constraintAnswers.set(name, answer);
}

export function translateDbError(err: unknown): unknown {
  if (err instanceof Problem) return err;
  const state = sqlState(err);
  const constraint = constraintName(err);
  if (constraint && constraintAnswers.has(constraint)) return constraintAnswers.get(constraint)!(err);
  switch (state) {
    case '23505':
      return new Problem(409, 'conflict', `this would duplicate an existing object (${constraint ?? 'unique key'})`);
    case '23P01':
      return new Problem(409, 'overlap', `this would overlap an existing object (${constraint ?? 'exclusion constraint'})`);
    case '23503':
      return new Problem(409, 'conflict', `this refers to an object that does not exist or is still referred to (${constraint ?? 'foreign key'})`);
    case '23514':
    case '23502':
      return new Problem(422, 'rule_violation', `the registry's rules refuse this change (${constraint ?? state})`);
    case '40001':
    case '40P01':
      return new Problem(409, 'conflict', 'the change collided with concurrent changes too many times; try again');
    // Text PostgreSQL cannot store or read as the type asked for: NUL or bytes that are not UTF-8
    // (22021), a \u0000 or lone-surrogate escape in jsonb (22P05), a malformed number, inet or cidr
    // (22P02), an impossible or unreadable time (22008, 22007). Validation refuses all of these
    // first (server/text.ts, server/http/params.ts, paging.ts); this is the backstop, so that one it
    // misses is still the client's 400 rather than a 500. Not 22003 (out of range): that one can
    // also come from the server's own arithmetic, a fault to see, not to blame on the client.
    case '22021':
    case '22P05':
    case '22P02':
    case '22007':
    case '22008':
      return new Problem(400, 'validation_failed', `a value in the request is not one the database can read or store (SQLSTATE ${state}): check the text for control characters and the numbers, addresses and times for their form`);
  }
  if (isUnavailable(err)) return new Problem(503, 'unavailable', 'the database does not answer; try again shortly');
  return err;
}

/**
 * Any refusal a verb can raise, as the Problem the client sees; undefined for real faults. Here,
 * not in http/, because verbs use it too (an import gives each row its verdict).
 */
export function toProblem(err: unknown): Problem | undefined {
  if (err instanceof Problem) return err;
  if (err instanceof AddressError) {
    return new Problem(400, err.code, err.message, err.suggestion ? { suggestion: err.suggestion } : {});
  }
  const translated = translateDbError(err);
  return translated instanceof Problem ? translated : undefined;
}
