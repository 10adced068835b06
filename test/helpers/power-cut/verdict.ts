/**
 * Verdicts: what a reopened power-cut state must hold. For each writer, the store must equal
 * what some prefix of its plan leaves (batches whole or absent, no value never written), and
 * that prefix must include every op acknowledged early enough (all acks in `sync` mode; acks
 * older than the flush bound in `write-cache` mode). At most the one op in flight may follow.
 */
import { PlanState, digest, writerOfSource, type PlannedOp } from './writer-plan.js';

/** What the checker child saw in one state (see check-child.ts). */
export interface CheckPass {
  /** `source/key` -> digest, when open and the reads succeeded. */
  readonly entries?: Record<string, string>;
  /** Where it failed, and how. */
  readonly error?: { readonly stage: 'open' | 'read' | 'close'; readonly keepr: boolean; readonly code: string; readonly message: string };
}

/** The checker's report for one state: first open, then a reopen; or how the child died. */
export type CheckResult = { readonly passes: readonly CheckPass[] } | { readonly died: 'signal' | 'hang' | 'exit'; readonly detail: string };

/** Kinds of verdict, worst first when a state has several problems. */
export const VERDICT_KINDS = ['signal', 'hang', 'child-crashed', 'open-failed', 'open-crashed', 'read-failed', 'foreign-value', 'partial-batch', 'lost', 'close-failed', 'reopen-differs', 'ok'] as const;

/** One kind of verdict. */
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** What one writer was expected to have in a state. */
export interface WriterExpectation {
  readonly writer: number;
  readonly ops: readonly PlannedOp[];
  /** Ops 0..required-1 must be there. */
  readonly required: number;
  /** Ops acknowledged before the cut (op `acked` may have been in flight). */
  readonly acked: number;
}

/** The verdict on one state. */
export interface Verdict {
  readonly kind: VerdictKind;
  readonly detail: string;
  /** Acknowledged ops that had to be there, and how many of them were missing. */
  readonly checked: number;
  readonly lost: number;
}

interface WriterJudgement {
  readonly kind: 'ok' | 'lost' | 'partial-batch' | 'foreign-value';
  readonly detail: string;
  readonly lost: number;
}

/** Judges one writer's entries against its plan. */
function judgeWriter(observed: ReadonlyMap<string, string>, w: WriterExpectation): WriterJudgement {
  const limit = Math.min(w.ops.length, w.acked + 1);
  const plan = new PlanState(w.ops);
  const mismatched = new Set<string>(observed.keys()); // against the empty prefix
  let exact = mismatched.size === 0 ? 0 : -1;
  let best = { m: 0, count: mismatched.size };
  while (plan.applied < limit) {
    for (const key of plan.step().keys()) {
      if (observed.get(key) === plan.state.get(key)) mismatched.delete(key);
      else mismatched.add(key);
    }
    if (mismatched.size === 0) exact = plan.applied;
    if (mismatched.size <= best.count) best = { m: plan.applied, count: mismatched.size };
  }
  if (exact >= w.required) return { kind: 'ok', detail: '', lost: 0 };
  if (exact >= 0) return { kind: 'lost', detail: `writer ${w.writer}: the store holds ${exact === 0 ? 'none of its ops' : `ops 0..${exact - 1}`}, acknowledged up to ${w.required - 1}`, lost: w.required - exact };
  // No prefix matches: name what differs from the closest one.
  const origin = new Map<string, string>();
  for (const op of w.ops) for (const [j, c] of op.changes.entries()) if (c.block !== undefined) origin.set(digest(c.block.bytes), `op ${op.n}.${j}`);
  const closest = new PlanState(w.ops);
  while (closest.applied < best.m) closest.step();
  const diffs: string[] = [];
  let foreign = false;
  for (const key of new Set([...observed.keys(), ...closest.state.keys()])) {
    const got = observed.get(key);
    const want = closest.state.get(key);
    if (got === want) continue;
    if (got !== undefined && !origin.has(got)) foreign = true;
    if (diffs.length < 4) diffs.push(`${key}: ${got === undefined ? 'absent' : (origin.get(got) ?? 'never written')} (prefix ${best.m} has ${want === undefined ? 'absent' : (origin.get(want) ?? '?')})`);
  }
  const lost = Math.max(0, w.required - best.m);
  const what = foreign ? 'a value that was never written' : 'no prefix of the plan matches (a batch in part, or ops out of order)';
  return { kind: foreign ? 'foreign-value' : 'partial-batch', detail: `writer ${w.writer}: ${what}; ${best.count} keys differ from prefix ${best.m}: ${diffs.join('; ')}`, lost };
}

/** Judges the entries of one open against every writer's expectation. */
function judgeEntries(entries: Record<string, string>, writers: readonly WriterExpectation[]): WriterJudgement & { checked: number } {
  const byWriter = new Map<number, Map<string, string>>(writers.map((w) => [w.writer, new Map()]));
  const strays: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    const writer = writerOfSource(key.slice(0, key.indexOf('/')));
    const map = writer === undefined ? undefined : byWriter.get(writer);
    if (map === undefined) strays.push(key);
    else map.set(key, value);
  }
  const checked = writers.reduce((n, w) => n + w.required, 0);
  if (strays.length > 0) return { kind: 'foreign-value', detail: `keys no writer wrote: ${strays.slice(0, 3).join(', ')}`, lost: 0, checked };
  const judged = writers.map((w) => judgeWriter(byWriter.get(w.writer)!, w));
  const worst = judged.reduce((a, b) => (VERDICT_KINDS.indexOf(b.kind) < VERDICT_KINDS.indexOf(a.kind) ? b : a));
  return { ...worst, detail: judged.map((j) => j.detail).filter((d) => d !== '').join(' | '), lost: judged.reduce((n, j) => n + j.lost, 0), checked };
}

/** The verdict on a state from what the checker saw. */
export function judge(result: CheckResult, writers: readonly WriterExpectation[]): Verdict {
  const checked = writers.reduce((n, w) => n + w.required, 0);
  if ('died' in result) return { kind: result.died === 'exit' ? 'child-crashed' : result.died, detail: result.detail, checked, lost: 0 };
  const [first, second] = result.passes;
  const fail = (kind: VerdictKind, pass: CheckPass | undefined): Verdict => ({ kind, detail: `${pass?.error?.code ?? ''}: ${pass?.error?.message ?? ''}`, checked, lost: 0 });
  if (first?.error?.stage === 'open') return fail(first.error.keepr ? 'open-failed' : 'open-crashed', first);
  if (first?.error?.stage === 'read' || first?.entries === undefined) return fail('read-failed', first);
  const judged = judgeEntries(first.entries, writers);
  if (judged.kind !== 'ok') return { kind: judged.kind, detail: judged.detail, checked, lost: judged.lost };
  if (first.error?.stage === 'close') return fail('close-failed', first);
  const again = second?.entries;
  if (second?.error !== undefined || again === undefined) return { ...fail('reopen-differs', second), detail: `reopen: ${second?.error?.stage ?? '?'} ${second?.error?.code ?? ''} ${second?.error?.message ?? ''}` };
  const keys = new Set([...Object.keys(first.entries), ...Object.keys(again)]);
  const differing = [...keys].filter((k) => first.entries![k] !== again[k]);
  if (differing.length > 0) return { kind: 'reopen-differs', detail: `${differing.length} keys differ on reopen, e.g. ${differing[0]!}`, checked, lost: 0 };
  return { kind: 'ok', detail: '', checked, lost: 0 };
}
