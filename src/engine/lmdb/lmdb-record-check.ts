/** `LmdbEngine.checkRecords`: every stored record checked against its key, from one snapshot. */
import type { BadRecord, RecordCheckReport } from '../engine-types.js';
import { engineFailure } from './io-errors.js';
import { recordDamage } from './lmdb-record.js';
import { exactValue } from './lmdb-values.js';
import { FIRST_NAMESPACE_ID, ID_BYTES, REGISTRY_NAMES_END, REGISTRY_NAMES_START, readU32, u32, type KeeprLmdb } from './lmdb-keys.js';


/**
 * Checks that every stored record belongs to its key (a flipped byte in a stored key, or a value
 * moved under another key, fails it); `onRecord` hears the running count every 1,000 records.
 */
export function checkRecords(db: KeeprLmdb, onRecord?: (records: number) => void): RecordCheckReport {
  db.resetReadTxn();
  const transaction = db.useReadTransaction();
  try {
    const names = new Map<number, string>();
    for (const { key, value } of db.getRange({ start: REGISTRY_NAMES_START, end: REGISTRY_NAMES_END, transaction })) {
      if (value.length === 4) names.set(readU32(value, 'id'), Buffer.from(key).toString('latin1', REGISTRY_NAMES_START.length));
    }
    const bad: BadRecord[] = [];
    let records = 0;
    for (const { key, value } of db.getRange({ start: u32(FIRST_NAMESPACE_ID), transaction })) {
      records++;
      const reason = recordDamage(key, exactValue(value));
      if (reason !== undefined) {
        const id = key.length >= ID_BYTES ? Buffer.from(key).readUInt32BE(0) : 0;
        bad.push({ namespace: names.get(id), key: Buffer.from(key.subarray(ID_BYTES)), reason });
      }
      if (onRecord !== undefined && records % 1000 === 0) onRecord(records);
    }
    return { records, bad };
  } catch (err) {
    throw engineFailure(err, 'record check');
  } finally {
    transaction.done();
  }
}
