/** Reading acknowledged writes back: a sample after each restart, every one at the end. */
import type { HttpClient, Reply } from './http.js';
import { isConnectionError } from './http.js';
import { digest, type Ledger, type Rng } from './ledger.js';
import type { Recorder } from './report.js';

/** What one check saw. */
export interface CheckResult {
  readonly atSec: number;
  /** Live keys read back. */
  readonly checked: number;
  /** Acknowledged-deleted keys checked absent. */
  readonly deletedChecked: number;
  /** Keys not checked because the connection dropped. */
  readonly skipped: number;
  readonly lost: number;
  readonly errors: number;
}

async function eachLimited<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** GETs `live` random live keys and `deleted` random deleted keys, one request each, while the load runs. */
export async function checkSample(client: HttpClient, ledger: Ledger, rng: Rng, recorder: Recorder, source: string, live: number, deleted: number): Promise<CheckResult> {
  const lost0 = recorder.lostCount;
  const errors0 = recorder.errorCount;
  let checked = 0;
  let deletedChecked = 0;
  let skipped = 0;
  const get = async (key: string): Promise<Reply | undefined> => {
    try {
      return await client.request('GET', `/v1/sources/${source}/blocks/${key}`);
    } catch (err) {
      if (!isConnectionError(err)) recorder.error('check GET failed', `${key}: ${String(err)}`);
      skipped++;
      return undefined;
    }
  };
  await eachLimited(ledger.sampleLive(rng, live), 8, async (key) => {
    const expected = ledger.expected(key);
    const reply = await get(key);
    if (reply === undefined || expected === undefined) return;
    checked++;
    if (reply.status === 200) {
      if (digest(reply.body) !== expected && ledger.expected(key) === expected) {
        recorder.lostWrite('check read back different bytes', `${key}: sha256 ${digest(reply.body)}, expected ${expected}`);
        ledger.forget(key);
      }
    } else if (reply.status === 404) {
      if (ledger.mustExist(key)) {
        recorder.lostWrite('check: acknowledged write not found', `${key}: 404`);
        ledger.forget(key);
      }
    } else recorder.error(`check GET ${reply.status}`, `${key}: ${reply.body.subarray(0, 300).toString()}`);
  });
  await eachLimited(ledger.sampleDeleted(rng, deleted), 8, async (key) => {
    const reply = await get(key);
    if (reply === undefined) return;
    deletedChecked++;
    if (reply.status === 200) {
      recorder.lostWrite('check: acknowledged delete came back', key);
      ledger.forgetDeleted(key);
    } else if (reply.status !== 404) recorder.error(`check GET ${reply.status}`, `${key}: ${reply.body.subarray(0, 300).toString()}`);
  });
  return { atSec: recorder.sinceStart(), checked, deletedChecked, skipped, lost: recorder.lostCount - lost0, errors: recorder.errorCount - errors0 };
}

interface BatchAnswer {
  results?: { block?: string | null }[];
}

/**
 * Reads back every live key and every deleted key, in batches of `batchSize` gets (one read
 * transaction each, blocks as base64 of their exact stored bytes); nothing else may run.
 */
export async function checkAll(client: HttpClient, ledger: Ledger, recorder: Recorder, source: string, batchSize = 500): Promise<CheckResult> {
  const lost0 = recorder.lostCount;
  const errors0 = recorder.errorCount;
  const live = ledger.liveEntries();
  const deleted = ledger.deletedKeys();
  const items: [string, string | null][] = [...live, ...deleted.map((key): [string, null] => [key, null])];
  const batches: [string, string | null][][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  await eachLimited(batches, 4, async (batch) => {
    const body = JSON.stringify({ ops: batch.map(([key]) => ({ op: 'get', key })), encoding: 'base64' });
    let reply: Reply | undefined;
    for (let attempt = 0; reply === undefined; attempt++) {
      try {
        reply = await client.request('POST', `/v1/sources/${source}/batch`, body, { 'content-type': 'application/json' });
      } catch (err) {
        if (!isConnectionError(err) || attempt >= 5) throw err;
      }
    }
    if (reply.status !== 200) {
      recorder.error(`final check batch ${reply.status}`, reply.body.subarray(0, 300).toString());
      return;
    }
    const results = (JSON.parse(reply.body.toString('utf8')) as BatchAnswer).results ?? [];
    batch.forEach(([key, expected], i) => {
      const block = results[i]?.block;
      if (expected === null) {
        if (block !== null) recorder.lostWrite('final check: acknowledged delete came back', key);
      } else if (typeof block !== 'string') {
        recorder.lostWrite('final check: acknowledged write not found', key);
      } else {
        const got = digest(Buffer.from(block, 'base64'));
        if (got !== expected) recorder.lostWrite('final check: read back different bytes', `${key}: sha256 ${got}, expected ${expected}`);
      }
    });
  });
  return { atSec: recorder.sinceStart(), checked: live.length, deletedChecked: deleted.length, skipped: 0, lost: recorder.lostCount - lost0, errors: recorder.errorCount - errors0 };
}
