export { openState, listStates, STATE_NS } from './open-state.js';
export { VersionedState, type CommitResult } from './versioned-state.js';
export { StateView, type StateRangeOptions, type StateValue } from './state-view.js';
export { verifyProof, encodeProof, decodeProof, type StateProof, type ProvenValue } from './state-proof.js';
export { pruneState, type PruneOptions, type PruneReport } from './state-prune.js';
export { auditState, type AuditProblem, type AuditReport } from './state-audit.js';
export { BUCKET_BITS, keyPath, valueHash, bucketHash, nodeHash, stateRoot } from './state-hash.js';
