/**
 * The one registry of keepr error codes. Every failure keepr reports on purpose is a
 * {@link KeeprError} whose `code` is a key of this registry. Codes are stable across
 * versions and name the rule that was broken; messages are for people and may change.
 * `docs/errors.md` lists every code, and a test keeps the two in sync.
 */

/** One registry entry: the HTTP status the server answers with and what the code means. */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly description: string;
}

/** Every error code keepr can report, with its HTTP status and meaning. */
export const ERROR_CODES = {
  // Arguments and options
  ARGUMENT_INVALID: { status: 400, description: 'An argument has the wrong type or is out of range.' },
  OPTION_INVALID: { status: 400, description: 'An option passed to open() or a factory is unknown or has a bad value.' },

  // Blocks
  BLOCK_MALFORMED: { status: 400, description: 'Bytes offered as a block are not a valid keepr block (bad header, sizes, padding, strings, NA flag, or an integrity hash that does not match).' },
  BLOCK_INVALID: { status: 400, description: 'Values given to build a block break a block rule (data length against shape, cell range, NA where none exists, duplicate levels or names).' },
  BLOCK_TYPE_UNKNOWN: { status: 400, description: 'The cell type name or code is not one keepr defines.' },
  BLOCK_RANK_EXCEEDED: { status: 400, description: 'A shape has more than 6 dimensions.' },
  BLOCK_TOO_LARGE: { status: 413, description: 'The block would exceed the maximum block size.' },
  BLOCK_STRING_INVALID: { status: 400, description: 'A string cannot be stored canonically (it holds a lone UTF-16 surrogate).' },
  BLOCK_ATTRIBUTE_INVALID: { status: 400, description: 'An attribute code is out of range or repeated, or its value is not a string.' },
  BLOCK_TYPE_MISMATCH: { status: 400, description: 'The operation needs a block of another cell type (for example values() of a string block).' },
  BLOCK_JSON_INVALID: { status: 400, description: 'A JSON document does not describe a block.' },
  NPY_MALFORMED: { status: 400, description: 'Bytes offered as a NumPy .npy file are not one (bad magic, version, header dict, or a data length that does not match the shape).' },
  NPY_UNSUPPORTED: { status: 400, description: 'A .npy file or a block has no mapping between NumPy and keepr (complex, structured or object dtypes, rank above 6, NA where NumPy has none, tuples).' },

  // Names and keys
  NAME_INVALID: { status: 400, description: 'A source name, block key or container name breaks the naming rules.' },
  KEY_INVALID: { status: 400, description: 'A binary block key is not 1 to 512 bytes, key text is not valid hex or base64url, or an engine key is not a non-empty Uint8Array within the engine key size limit.' },
  KEY_NOT_UTF8: { status: 400, description: 'A key was asked for as UTF-8 text (keyEncoding utf8, the default) but its bytes are not UTF-8; read it with keyEncoding binary (HTTP and CLI: hex or base64url).' },
  NAMESPACE_NOT_FOUND: { status: 404, description: 'The engine namespace does not exist.' },

  // Stores, sources, blocks
  STORE_CLOSED: { status: 503, description: 'The store or engine is closed (or not yet open).' },
  SOURCE_NOT_FOUND: { status: 404, description: 'No source has this name.' },
  SOURCE_EXISTS: { status: 409, description: 'A source with this name already exists.' },
  BLOCK_NOT_FOUND: { status: 404, description: 'No block is stored under this key.' },
  WRITE_KEY_EXISTS: { status: 412, description: 'Write mode if-absent: a block is already stored under this key.' },
  WRITE_KEY_ABSENT: { status: 412, description: 'Write mode if-exists: no block is stored under this key.' },
  WRITE_HASH_MISMATCH: { status: 412, description: 'Conditional write: the stored block does not have the expected hash.' },
  CURSOR_INVALID: { status: 400, description: 'A listing cursor is not one this store issued.' },
  STORE_CORRUPT: { status: 500, description: 'Stored data is damaged: a block fails its integrity check, a record does not belong to its key, the LMDB data file is structurally broken, or the commit log cannot be replayed; the message names the file and where (keepr verify names every bad block).' },
  STORE_FULL: { status: 507, description: 'The store\'s disk is full: the write was refused and nothing of it was stored; writes succeed again once space is freed.' },
  DUMP_MALFORMED: { status: 400, description: 'A dump stream is not a valid keepr dump (bad magic or version, a bad record, a corrupt block, or a trailer whose counts or checksum do not match).' },
  DUMP_TRUNCATED: { status: 400, description: 'A dump stream ends before its trailer: it was cut short.' },
  STORE_NOT_EMPTY: { status: 409, description: 'The target store already holds data; restoring or copying over it needs --force.' },
  COPY_MISMATCH: { status: 500, description: 'keepr copy: the target does not match the source when compared after the copy (a block, a state root at some height, or a raw entry differs, is missing or is extra); the report lists the differences.' },
  STORE_BUSY: { status: 409, description: 'Another process has the store open, so its files cannot be replaced (restore, compact).' },
  STORE_LOCKED: { status: 409, description: "Another process holds the store's exclusive lock (LevelDB stores open in one process at a time); the message and details name the holder's process id and host when known." },
  PATH_OUTSIDE_ROOT: { status: 400, description: 'A file to upload is a symbolic link that resolves outside the folder being uploaded.' },
  SNAPSHOT_CLOSED: { status: 400, description: 'The snapshot was released and cannot be read any more.' },

  // Volatile containers
  VOLATILE_NOT_FOUND: { status: 404, description: 'No volatile container has this name.' },
  VOLATILE_KIND_MISMATCH: { status: 409, description: 'A volatile container with this name exists but is of another kind.' },
  QUEUE_PRIORITY_TOO_LOW: { status: 409, description: 'The priority queue is full and the new priority is not above its lowest.' },
  TREE_NODE_EXISTS: { status: 409, description: 'A tree node with this key already exists.' },
  TREE_PARENT_NOT_FOUND: { status: 404, description: 'The parent named for a tree node does not exist.' },

  // Versioned state
  STATE_NOT_FOUND: { status: 404, description: 'No versioned state with this name exists (and it was not to be created).' },
  STATE_KEY_NOT_FOUND: { status: 404, description: 'CLI only (keepr state get): the key has no value in the tree at that height (a proof of its absence is still available). The HTTP key read answers 200 with found: false instead, and the embedded API and client return undefined.' },
  STATE_HEIGHT_EXISTS: { status: 409, description: 'A different change set was committed at this height already (re-applying the same one is fine).' },
  STATE_HEIGHT_PRUNED: { status: 410, description: 'The height was pruned: its values, nodes and proofs are gone.' },
  STATE_HEIGHT_UNKNOWN: { status: 404, description: 'No height with this number was committed.' },
  STATE_HEIGHT_INVALID: { status: 400, description: 'A working height must follow the last committed one or repeat a committed one.' },
  STATE_KEY_INVALID: { status: 400, description: 'A state key is not 1 to 500 bytes (a string or a Uint8Array).' },
  STATE_SAVEPOINT_UNKNOWN: { status: 400, description: 'The savepoint does not exist in the working height (or was rolled past).' },
  STATE_PROOF_MALFORMED: { status: 400, description: 'Bytes offered as a state proof are not the canonical encoding of a proof.' },
  STATE_CORRUPT: { status: 500, description: 'A stored state record does not decode; run keepr verify --state to locate tampering.' },

  // Instruments
  INSTRUMENT_NOT_FOUND: { status: 404, description: 'No instrument has this name (and create was false).' },
  INSTRUMENT_KIND_MISMATCH: { status: 409, description: 'The instrument exists with another cell type or index kind than the one asked for.' },
  INSTRUMENT_VALUES_INVALID: { status: 400, description: 'Values or index entries given to an instrument do not fit it (wrong count, type, range, NA where the type has none, unsorted or duplicate where order is required).' },
  INSTRUMENT_OP_UNSUPPORTED: { status: 400, description: 'The operation does not apply to this instrument (downsampling a string column, a time range on a keyed column, aligning instruments of different index kinds).' },
  CHUNK_MALFORMED: { status: 400, description: 'Bytes offered as an instrument chunk or codec stream do not decode (bad header, codec id, lengths, or bit widths).' },
  INSTRUMENT_CORRUPT: { status: 500, description: 'A stored instrument chunk or its metadata does not decode; the message names the instrument and chunk.' },

  // Engines
  ENGINE_NOT_SUPPORTED: { status: 501, description: 'The engine does not offer this operation (for example synchronous reads).' },
  ENGINE_FAILURE: { status: 500, description: 'The storage engine failed; the cause holds the engine error.' },
  ENGINE_UNAVAILABLE: { status: 503, description: 'The engine cannot reach its database server (PostgreSQL down, restarting or unreachable): nothing of a failed write was stored, except when details.inDoubt is true (the connection dropped while COMMIT was in flight, so the write may or may not have landed). keepr reconnects by itself; retry later.' },
  ENGINE_FORMAT_UNSUPPORTED: { status: 500, description: 'The engine\'s stored data has a layout version this keepr does not know (written by a newer keepr); the message names it.' },
  CITUS_NOT_INSTALLED: { status: 409, description: 'keepr pg distribute (distributePostgresStore) needs the citus extension in the database; it is not installed there, so nothing was changed.' },

  // HTTP
  HTTP_ROUTE_NOT_FOUND: { status: 404, description: 'No route matches this method and path.' },
  HTTP_BODY_TOO_LARGE: { status: 413, description: 'The request body exceeds the server body limit.' },
  HTTP_CONTENT_TYPE_UNSUPPORTED: { status: 415, description: 'The request body has a content type this route does not accept.' },
  HTTP_FORM_BODY_REFUSED: { status: 415, description: 'A block PUT body is typed application/x-www-form-urlencoded, the type curl -d/--data-binary and Python urllib add by themselves; send the body\'s real Content-Type (for example application/octet-stream).' },
  HTTP_NOT_ACCEPTABLE: { status: 406, description: 'The route cannot answer in any type the Accept header allows.' },
  HTTP_REQUEST_INVALID: { status: 400, description: 'The request breaks the route schema (query string, parameters or headers).' },
  HTTP_BODY_MALFORMED: { status: 400, description: 'The request body cannot be read as its content type says (for example JSON with a syntax error).' },
  HTTP_RANGE_NOT_SATISFIABLE: { status: 416, description: 'The Range header asks for bytes past the end of the content; Content-Range tells its length.' },
  HTTP_METHOD_NOT_ALLOWED: { status: 405, description: 'The path exists but does not accept this HTTP method; the Allow header lists the ones it does.' },
  HTTP_UNREACHABLE: { status: 503, description: 'The client could not reach the server or read its answer (connection refused or reset, or an answer that is not keepr\'s).' },
  BATCH_INVALID: { status: 400, description: 'A batch body is readable but an operation in it is not valid (unknown op, missing key or block, bad condition).' },
  WEB_URL_MISMATCH: { status: 400, description: 'A block written to the web source must have the URL attribute \'/\' + key.' },
  CONSOLE_NOT_BUILT: { status: 500, description: 'The web console cannot be installed: its built files (dist/console of the package) are missing; run npm run build.' },

  // Access control
  AUTH_REQUIRED: { status: 401, description: 'The server has access tokens and the request sent none (Authorization: Bearer <token>).' },
  AUTH_TOKEN_INVALID: { status: 401, description: 'The Authorization header is malformed or its token is not one the server knows.' },
  AUTH_FORBIDDEN: { status: 403, description: 'The token is valid but its role does not allow this request.' },
  SERVER_BIND_REFUSED: { status: 400, description: 'The server would listen beyond loopback without access tokens; give it tokens or bind to 127.0.0.1.' },
  INTERNAL: { status: 500, description: 'An unexpected internal error; please report it.' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable keepr error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options of a {@link KeeprError}. */
export interface KeeprErrorOptions {
  /** The error that caused this one. */
  readonly cause?: unknown;
  /** Structured facts about the failure (the offending key, index, reason). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The error keepr throws: a stable `code` from {@link ERROR_CODES}, a message and an optional cause. */
export class KeeprError extends Error {
  /** The stable code; assert on this, never on the message. */
  readonly code: ErrorCode;
  /** Structured facts about the failure. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: KeeprErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeeprError';
    this.code = code;
    this.details = options.details;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** The JSON body the server sends for this error. */
  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `value` is a {@link KeeprError}, optionally with the given code. */
export function isKeeprError(value: unknown, code?: ErrorCode): value is KeeprError {
  return value instanceof KeeprError && (code === undefined || value.code === code);
}

/** True when `code` is a registered error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
