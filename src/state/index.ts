export { STATE_NS, type StateOptions } from './open-state.js';
export { VersionedState, type ApplyOptions, type HeightItem, type HeightListOptions, type HeightsOptions } from './versioned-state.js';
export type { CommitResult } from './state-commit.js';
export type { StateChange } from './state-working.js';
export { StateView, type Page, type StateEntry, type StateKeyEncoding, type StateKeyOf, type StateListOptions, type StateRangeOptions, type StateValue } from './state-view.js';
export { verifyProof, encodeProof, decodeProof, type StateProof, type ProvenValue } from './state-proof.js';
export { pruneState, type PruneOptions, type PruneReport } from './state-prune.js';
export { auditState, type AuditProblem, type AuditReport } from './state-audit.js';
export { BUCKET_BITS, keyPath, valueHash, bucketHash, nodeHash, stateRoot } from './state-hash.js';
