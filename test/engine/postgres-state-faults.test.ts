/**
 * A versioned-state commit on PostgreSQL whose connection is dropped mid-way
 * (`pg_terminate_backend` from another connection, while the commit reads its trees or writes its
 * records): after reopening, the height is either whole (audit clean, every key there) or absent
 * (the height before is the latest), never partial; an acknowledged height is always there.
 */
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KeeprError } from '../../src/errors.js';
import { postgresEngine } from '../../src/engine/postgres/index.js';
import type { StateChange } from '../../src/state/index.js';
import { open, type Store } from '../../src/store/index.js';
import { sleep } from '../helpers/eventually.js';
import { freshSchema, pgUrl } from '../helpers/postgres-engines.js';

const PUTS = 2000;
const ROUNDS = 6;

/** The changes of height `h`: PUTS distinct keys out of 8,000, values naming the height. */
function heightChanges(h: number): StateChange[] {
  return Array.from({ length: PUTS }, (_, i) => ({ op: 'put', tree: 'big', key: `k${(h * 7919 + i * 13) % 8000}`, value: Buffer.from(`v${h}-${i}`) }));
}

/** Keys and values of tree `big` once heights 0…h are committed. */
function expectedAt(h: number): Map<string, string> {
  const out = new Map<string, string>();
  for (let height = 0; height <= h; height++) for (const c of heightChanges(height)) if (c.op === 'put') out.set(String(c.key), Buffer.from(c.value as Uint8Array).toString());
  return out;
}

async function contentAt(store: Store, height: number): Promise<Map<string, string>> {
  const state = await store.state('s');
  const out = new Map<string, string>();
  for await (const { key, value } of state.at(height).range('big', { keyEncoding: 'utf8' })) out.set(key, Buffer.from(value as Uint8Array).toString());
  return out;
}

/** Terminates this schema's backends once `when` matches one, unless `done` first; true when it did. */
async function killWhen(monitor: pg.Client, schema: string, when: 'in-transaction' | 'writing', extraMs: number, done: () => boolean): Promise<boolean> {
  const filter = when === 'writing' ? `state = 'active' AND query LIKE 'INSERT INTO ${schema}.entries%'` : `xact_start IS NOT NULL AND query LIKE '%${schema}.%'`;
  const mine = `datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%${schema}.%'`;
  while (!done()) {
    const { rows } = await monitor.query(`SELECT pid FROM pg_stat_activity WHERE ${mine} AND ${filter}`);
    if (rows.length > 0) {
      if (extraMs > 0) await sleep(extraMs);
      await monitor.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${mine} AND xact_start IS NOT NULL`);
      return true;
    }
  }
  return false;
}

describe('postgres: a state commit whose connection drops', () => {
  it(`leaves the height whole or absent (${ROUNDS} rounds)`, async () => {
    const schema = freshSchema();
    const url = pgUrl();
    const monitor = new pg.Client({ connectionString: url });
    await monitor.connect();
    onTestFinished(() => monitor.end());
    const reopen = (): Promise<Store> => open({ engine: postgresEngine(url, { schema }) });
    let store = await reopen();
    onTestFinished(() => store.close());
    let state = await store.state('s');
    await state.apply(heightChanges(0));
    await state.apply(heightChanges(1));
    const outcomes = { committed: 0, absent: 0, killedMidWrite: 0 };

    for (let round = 0; round < ROUNDS; round++) {
      const height = state.workingHeight;
      let settled = false;
      // Settle into a value at once: the commit may fail while the kill query is still in
      // flight, and a rejection nobody handles yet counts as unhandled.
      const commit = state
        .apply(heightChanges(height))
        .then(
          (r) => ({ r, err: undefined }),
          (err: unknown) => ({ r: undefined, err }),
        )
        .finally(() => {
          settled = true;
        });
      // Alternate: kill while the big upsert runs, or at a varying moment of the commit.
      const when = round % 2 === 0 ? 'writing' : 'in-transaction';
      const killed = await killWhen(monitor, schema, when, round % 2 === 0 ? 0 : round * 3, () => settled);
      const { r: result, err } = await commit;
      if (result === undefined) {
        expect(err).toBeInstanceOf(KeeprError);
        expect((err as KeeprError).code).toBe('ENGINE_UNAVAILABLE');
      }
      if (killed && when === 'writing' && result === undefined) outcomes.killedMidWrite++;

      await store.close();
      store = await reopen();
      state = await store.state('s');
      const audit = await state.audit();
      expect(audit.problems).toEqual([]);
      if (result !== undefined) expect(state.latest).toBe(height);
      expect([height - 1, height]).toContain(state.latest);
      if (state.latest === height) {
        outcomes.committed++;
        if (result !== undefined) expect(Buffer.from(await state.at(height).root()).toString('hex')).toBe(result.rootHex);
      } else {
        outcomes.absent++;
      }
      expect(await contentAt(store, state.latest!)).toEqual(expectedAt(state.latest!));
    }
    // The faults really hit commits in the middle of their write.
    expect(outcomes.killedMidWrite).toBeGreaterThan(0);
    expect(outcomes.absent).toBeGreaterThan(0);
    console.log(`postgres state commit faults: ${JSON.stringify(outcomes)}`);
  }, 120_000);
});
