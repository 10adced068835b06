/** One atomic write batch of the memory engine. */
import type { WriteOp, WriteOutcome } from '../engine.js';
import { copyValue, namespaceNotFound, type NamespaceState, type NamespaceTree } from './memory-snapshot.js';

/** Returns the state of a namespace that may be changed in place (cloned first if shared). */
export type WritableNamespace = (namespaces: NamespaceTree, name: string) => NamespaceState;

/**
 * Applies `ops` atomically: every namespace must exist, then every check runs (on the state
 * before the batch), then puts and deletes apply in order. Synchronous, so nothing can
 * interleave; a check that throws propagates before anything changed.
 */
export function applyBatch(namespaces: NamespaceTree, ops: readonly WriteOp[], writable: WritableNamespace): WriteOutcome {
  for (const op of ops) {
    if (!namespaces.has(op.namespace)) throw namespaceNotFound(op.namespace);
  }
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.op !== 'check') continue;
    const current = namespaces.get(op.namespace)!.tree.get(op.key);
    if (!op.test(copyValue(current))) return { committed: false, failedCheck: i };
  }
  for (const op of ops) {
    if (op.op === 'check') continue;
    const state = writable(namespaces, op.namespace);
    const previous = state.tree.get(op.key);
    if (previous !== undefined) state.bytes -= op.key.length + previous.length;
    if (op.op === 'put') {
      // Copies: the caller may reuse its buffers as soon as write() returns.
      state.tree.set(new Uint8Array(op.key), new Uint8Array(op.value));
      state.bytes += op.key.length + op.value.length;
    } else if (previous !== undefined) {
      state.tree.delete(op.key);
    }
  }
  return { committed: true };
}
