/**
 * The part of `node:crypto` that src/state/state-hash.ts uses, for the browser bundle (the build
 * aliases `node:crypto` here): SHA-256 only, synchronous, from @noble/hashes. With it the console
 * runs the very `verifyProof` of `keepr/client`, not a second copy.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** A streaming SHA-256 with Node's `update(...).digest()` shape. */
interface HashShim {
  update(data: Uint8Array): HashShim;
  digest(): Uint8Array;
}

function checkAlgorithm(algorithm: string): void {
  if (algorithm !== 'sha256') throw new Error(`the console has sha256 only, not ${algorithm}`);
}

/** `createHash('sha256')`. */
export function createHash(algorithm: string): HashShim {
  checkAlgorithm(algorithm);
  const h = sha256.create();
  const shim: HashShim = {
    update(data) {
      h.update(data);
      return shim;
    },
    digest: () => h.digest(),
  };
  return shim;
}

/** One-shot `hash('sha256', data, 'binary')`: the digest as a latin1 string. */
export function hash(algorithm: string, data: Uint8Array, encoding: string): string {
  checkAlgorithm(algorithm);
  if (encoding !== 'binary' && encoding !== 'latin1') throw new Error(`the console hashes to latin1 only, not ${encoding}`);
  let out = '';
  for (const byte of sha256(data)) out += String.fromCharCode(byte);
  return out;
}
