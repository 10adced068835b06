/** What a PostgreSQL failure means for keepr: unavailable (retry later), retryable, or a failure. */
import { KeeprError } from '../../errors.js';

// SQLSTATE classes and node socket errors that mean "the server is not there right now".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/;
const UNAVAILABLE_SYSCALL = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout expired|Client has encountered a connection error|connection is closed|Client was closed/i;

/** SQLSTATEs after which a whole transaction may simply run again. */
const RETRYABLE_SQLSTATE = new Set(['40001', '40P01']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when the error says the connection or the server is gone (not the statement's fault). */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof KeeprError) return err.code === 'ENGINE_UNAVAILABLE';
  const code = codeOf(err);
  if (code !== undefined && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SYSCALL.has(code))) return true;
  return err instanceof Error && UNAVAILABLE_MESSAGE.test(err.message);
}

/** True for a serialization failure or a deadlock: the transaction can run again. */
export function isRetryable(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && RETRYABLE_SQLSTATE.has(code);
}

/**
 * Wraps a PostgreSQL error: `ENGINE_UNAVAILABLE` when the server cannot be reached (with
 * `inDoubt` when the connection dropped while COMMIT was in flight), else `ENGINE_FAILURE`.
 */
export function postgresFailure(err: unknown, what: string, inDoubt = false): KeeprError {
  if (err instanceof KeeprError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const sqlstate = codeOf(err);
  if (isUnavailable(err)) {
    const doubt = inDoubt ? '; the connection dropped during COMMIT, so this write may or may not have been stored' : '; nothing of it was stored';
    return new KeeprError('ENGINE_UNAVAILABLE', `postgres ${what} failed: the database server is unavailable (${message})${doubt}`, {
      cause: err,
      details: { inDoubt, ...(sqlstate === undefined ? {} : { sqlstate }) },
    });
  }
  return new KeeprError('ENGINE_FAILURE', `postgres ${what} failed: ${message}`, { cause: err, ...(sqlstate === undefined ? {} : { details: { sqlstate } }) });
}
