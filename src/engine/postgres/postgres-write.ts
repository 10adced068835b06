/**
 * One atomic write as one PostgreSQL transaction (READ COMMITTED):
 *
 * 1. `FOR KEY SHARE` on the batch's namespace rows: a missing one fails the batch, and a
 *    concurrent drop waits until this write commits (no entry outlives its namespace).
 * 2. Checked keys are row-locked (`FOR UPDATE`) before their tests run. A checked key that is
 *    absent gets a placeholder row (v NULL) so it is locked too: a concurrent writer of that key
 *    waits on the unique index until this transaction ends. Placeholders are never committed.
 * 3. Puts as one multi-row `INSERT … SELECT FROM unnest … ON CONFLICT DO UPDATE`, deletes as one
 *    `DELETE … k = ANY(…)` per namespace, then one `NOTIFY` for the whole commit.
 *
 * Row locks, not SERIALIZABLE: they keep a conditional write's meaning on Citus too, where
 * serializable isolation does not span shards; deadlocks between writers locking in different
 * orders are retried by {@link Connections.transaction}.
 */
import type { QueryResult } from 'pg';
import { KeeprError } from '../../errors.js';
import { compareBytes } from '../../util/bytes.js';
import type { WriteOp, WriteOutcome } from '../engine-types.js';
import { asBuffer, Passthrough, run, type Connections, type PgClient } from './postgres-connections.js';
import type { StoreSql } from './postgres-sql.js';

/** The final effect on one key: the last put or delete of the batch wins. */
interface Effect {
  readonly namespace: string;
  readonly key: Uint8Array;
  /** Undefined for a delete. */
  readonly value: Uint8Array | undefined;
}

/** A check op and its index in the batch (failures are reported by that index). */
interface CheckAt {
  readonly index: number;
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly test: (current: Uint8Array | undefined) => boolean;
}

/** A write prepared outside the transaction (copied, collapsed, sorted), ready to run or re-run. */
export interface PreparedWrite {
  readonly namespaces: readonly string[];
  readonly checks: readonly CheckAt[];
  readonly effects: readonly Effect[];
}

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Copies (unless `owned`) and collapses the ops: the caller may reuse its buffers at once. */
export function prepareWrite(ops: readonly WriteOp[], owned: boolean): PreparedWrite {
  const copy = (bytes: Uint8Array): Uint8Array => (owned ? bytes : Uint8Array.prototype.slice.call(bytes));
  const namespaces = new Set<string>();
  const checks: CheckAt[] = [];
  const effects = new Map<string, Effect>();
  for (const [index, op] of ops.entries()) {
    namespaces.add(op.namespace);
    if (op.op === 'check') {
      checks.push({ index, namespace: op.namespace, key: copy(op.key), test: op.test });
      continue;
    }
    const id = `${op.namespace}\0${hexOf(op.key)}`;
    effects.delete(id);
    effects.set(id, { namespace: op.namespace, key: copy(op.key), value: op.op === 'put' ? copy(op.value) : undefined });
  }
  return { namespaces: [...namespaces].sort(), checks, effects: [...effects.values()] };
}

/** Groups keys by namespace, namespaces and keys sorted (one lock order for every writer). */
function byNamespace<T extends { namespace: string; key: Uint8Array }>(items: readonly T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.namespace);
    if (group === undefined) groups.set(item.namespace, [item]);
    else group.push(item);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ns, group]) => [ns, group.sort((a, b) => compareBytes(a.key, b.key))]);
}

/** Locks the checked keys and returns their current values by `namespace\0hex(key)`, plus placeholders made. */
async function lockChecked(client: PgClient, sql: StoreSql, checks: readonly CheckAt[]): Promise<{ current: Map<string, Uint8Array>; placeholders: Map<string, Buffer[]> }> {
  const current = new Map<string, Uint8Array>();
  const placeholders = new Map<string, Buffer[]>();
  for (const [namespace, group] of byNamespace(checks)) {
    const keys = uniqueKeys(group.map((check) => check.key));
    const found = await run(client, sql.lockKeys, [namespace, keys], 'keepr_lock_keys');
    for (const [k, v] of found) current.set(`${namespace}\0${(k as Buffer).toString('hex')}`, v as Buffer);
    const missing = keys.filter((key) => !current.has(`${namespace}\0${key.toString('hex')}`));
    if (missing.length === 0) continue;
    // Either we insert the placeholder (and hold its lock) or a concurrent writer committed the
    // key meanwhile (the insert waited for it): lock again to read what it wrote.
    const made = await run(client, sql.placeholders, [namespace, missing], 'keepr_placeholders');
    if (made.length > 0) placeholders.set(namespace, made.map(([k]) => k as Buffer));
    if (made.length < missing.length) {
      const again = await run(client, sql.lockKeys, [namespace, missing], 'keepr_lock_keys');
      for (const [k, v] of again) if (v !== null) current.set(`${namespace}\0${(k as Buffer).toString('hex')}`, v as Buffer);
    }
  }
  return { current, placeholders };
}

function uniqueKeys(keys: readonly Uint8Array[]): Buffer[] {
  const out: Buffer[] = [];
  for (const key of keys) {
    const last = out.at(-1);
    if (last === undefined || compareBytes(last, key) !== 0) out.push(asBuffer(key));
  }
  return out;
}

/** Runs a prepared write inside the caller's transaction. */
async function writeIn(client: PgClient, sql: StoreSql, write: PreparedWrite, begun: readonly QueryResult[]): Promise<WriteOutcome> {
  // begun: BEGIN, the namespace locks (FOR KEY SHARE), maybe the NOTIFY.
  const locked = (begun[1]?.rows ?? []) as { ns: string }[];
  if (locked.length !== write.namespaces.length) {
    const present = new Set(locked.map((row) => row.ns));
    const namespace = write.namespaces.find((ns) => !present.has(ns))!;
    throw new KeeprError('NAMESPACE_NOT_FOUND', `namespace ${namespace} does not exist`, { details: { namespace } });
  }
  let placeholders = new Map<string, Buffer[]>();
  if (write.checks.length > 0) {
    const checked = await lockChecked(client, sql, write.checks);
    placeholders = checked.placeholders;
    for (const check of write.checks) {
      const value = checked.current.get(`${check.namespace}\0${hexOf(check.key)}`);
      let passed: boolean;
      try {
        passed = check.test(value === undefined ? undefined : new Uint8Array(value));
      } catch (err) {
        throw new Passthrough(err);
      }
      // Rolled back: the placeholders made for this write must not be committed.
      if (!passed) throw new Passthrough(new CheckFailed(check.index));
    }
  }
  const puts = write.effects.filter((effect) => effect.value !== undefined);
  if (puts.length > 0) {
    await run(client, sql.upsert, [puts.map((p) => p.namespace), puts.map((p) => asBuffer(p.key)), puts.map((p) => asBuffer(p.value!))], 'keepr_upsert');
  }
  for (const [namespace, group] of byNamespace(write.effects.filter((effect) => effect.value === undefined))) {
    await run(client, sql.deleteKeys, [namespace, group.map((d) => asBuffer(d.key))], 'keepr_delete');
  }
  for (const [namespace, keys] of placeholders) await run(client, sql.clearPlaceholders, [namespace, keys], 'keepr_clear_placeholders');
  return { committed: true };
}

/** A failed check, carried out of the transaction so that it rolls back. */
class CheckFailed extends Error {
  constructor(readonly index: number) {
    super(`check ${index} failed`);
  }
}

/** Prepares and runs one write; resolves once committed (as durable as the session's synchronous_commit). */
export async function writeBatch(connections: Connections, sql: StoreSql, ops: readonly WriteOp[], owned: boolean, notifyPayload: string | undefined): Promise<WriteOutcome> {
  const write = prepareWrite(ops, owned);
  try {
    return await connections.transaction((client, begun) => writeIn(client, sql, write, begun), 'write', sql.beginWrite(write.namespaces, notifyPayload));
  } catch (err) {
    if (err instanceof CheckFailed) return { committed: false, failedCheck: err.index };
    throw err;
  }
}
