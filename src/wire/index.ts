/** The HTTP wire formats shared by the server and the client: batch framing and state paths. */
export * from './batch-wire.js';
export * from './state-wire.js';
export * from './volatile-ops.js';
