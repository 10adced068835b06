/**
 * Proof checking in the browser: the very functions `keepr/client` uses (src/state), bundled with
 * a SHA-256 in place of `node:crypto`, so a proof the console accepts is one the client accepts.
 */
export { decodeProof, verifyProof, type StateProof } from '../../../src/state/state-proof.js';
