/**
 * NOTIFY-based cache coherence of the PostgreSQL engine: one notification per commit whatever
 * the batch, a payload far below PostgreSQL's 8,000-byte cap, none for rolled-back writes, and
 * a listener that reconnects by itself after the server restarts, distrusting every cached block
 * while it is down. The restart runs on a private server (never the shared one).
 */
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Block } from '../../src/block/index.js';
import { KeeprError } from '../../src/errors.js';
import { PostgresEngine, postgresEngine } from '../../src/engine/postgres/index.js';
import { open } from '../../src/store/index.js';
import { codeOfAsync } from '../helpers/error-code.js';
import { eventually } from '../helpers/eventually.js';
import { freshPostgresEngine, freshSchema, pgUrl } from '../helpers/postgres-engines.js';
import { startPostgres } from '../helpers/postgres-server.js';

/** PostgreSQL rejects NOTIFY payloads of 8,000 bytes or more. */
const PAYLOAD_CAP = 8000;

/** A LISTEN connection on a store's channel that records every payload. */
async function listenTo(schema: string): Promise<{ payloads: string[]; settle: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  onTestFinished(() => client.end());
  const channel = `keepr_${schema}`;
  const payloads: string[] = [];
  let sentinels = 0;
  client.on('notification', (message) => {
    if (message.payload === 'sentinel') sentinels++;
    else payloads.push(message.payload ?? '');
  });
  await client.query(`LISTEN ${channel}`);
  return {
    payloads,
    // Notifications arrive in commit order: once our own later one is here, all earlier ones are.
    settle: async () => {
      const want = sentinels + 1;
      await client.query(`NOTIFY ${channel}, 'sentinel'`);
      await eventually(() => sentinels >= want, 10_000, 'the sentinel notification');
    },
  };
}

async function opened(engine: PostgresEngine): Promise<PostgresEngine> {
  await engine.open();
  onTestFinished(() => engine.close());
  return engine;
}

const key = (i: number, size = 8): Uint8Array => Buffer.from(String(i).padStart(size, '0'));

describe('postgres NOTIFY', () => {
  it('sends one notification per commit, whatever the batch, with a payload far below 8,000 bytes', async () => {
    const schema = freshSchema();
    const engine = await opened(postgresEngine(pgUrl(), { schema }));
    await engine.createNamespace('n');
    const listener = await listenTo(schema);

    // 1,000 puts of 1,024-byte keys and values in one write: one notification.
    const ops = Array.from({ length: 1000 }, (_, i) => ({ op: 'put' as const, namespace: 'n', key: key(i, 1024), value: new Uint8Array(1024).fill(i % 256) }));
    expect(await engine.write(ops)).toEqual({ committed: true });
    await listener.settle();
    expect(listener.payloads).toHaveLength(1);
    const [payload] = listener.payloads as [string];
    expect(Buffer.byteLength(payload)).toBeLessThan(PAYLOAD_CAP);
    // The payload is the writer's id (so it can skip its own), not anything about the batch.
    expect(payload).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // Ten single writes, ten notifications with the same payload; deletes too.
    for (let i = 0; i < 10; i++) await engine.put('n', key(i), Buffer.from('v'));
    await engine.write(ops.slice(0, 500).map((op) => ({ op: 'delete' as const, namespace: 'n', key: op.key })));
    await listener.settle();
    expect(listener.payloads).toEqual(Array.from({ length: 12 }, () => payload));

    // A write whose check fails rolls back: no notification. A dropped namespace sends one.
    expect(await engine.write([{ op: 'check', namespace: 'n', key: key(1), test: () => false }, { op: 'put', namespace: 'n', key: key(2), value: Buffer.from('w') }])).toEqual({ committed: false, failedCheck: 0 });
    expect(await engine.dropNamespace('n')).toBe(true);
    await listener.settle();
    expect(listener.payloads).toEqual(Array.from({ length: 13 }, () => payload));

    // Another engine on the same schema notifies with its own id.
    const other = await opened(postgresEngine(pgUrl(), { schema }));
    await other.createNamespace('m');
    await other.put('m', key(1), Buffer.from('v'));
    await listener.settle();
    expect(listener.payloads).toHaveLength(14);
    expect(listener.payloads[13]).not.toBe(payload);
  });

  it('sends nothing with notify: false', async () => {
    const engine = await opened(freshPostgresEngine({ notify: false }));
    await engine.createNamespace('n');
    const listener = await listenTo(engine.config.schema);
    await engine.put('n', key(1), Buffer.from('v'));
    await listener.settle();
    expect(listener.payloads).toEqual([]);
    expect(engine.externalVersion).toBe(0);
  });

  it('reports an error at COMMIT, as a full NOTIFY queue raises it, as ENGINE_FAILURE with nothing stored', async () => {
    const engine = await opened(freshPostgresEngine());
    await engine.createNamespace('n');
    const s = engine.config.schema;
    const admin = new pg.Client({ connectionString: pgUrl() });
    await admin.connect();
    onTestFinished(() => admin.end());
    // PostgreSQL queues notifications at COMMIT and fails it with 54000 when the queue is full
    // (8 GB, not reachable in a test): a deferred trigger raises the same error at the same point.
    await admin.query(`CREATE FUNCTION ${s}.queue_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'too many notifications in the NOTIFY queue' USING ERRCODE = '54000'; END $$`);
    await admin.query(`CREATE CONSTRAINT TRIGGER queue_full AFTER INSERT OR UPDATE ON ${s}.entries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${s}.queue_full()`);
    const err = await engine.put('n', key(1), Buffer.from('v')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeeprError);
    expect((err as KeeprError).code).toBe('ENGINE_FAILURE');
    expect((err as KeeprError).details).toMatchObject({ sqlstate: '54000' });
    await admin.query(`DROP TRIGGER queue_full ON ${s}.entries`);
    expect(await engine.get('n', key(1))).toBeUndefined();
    await engine.put('n', key(1), Buffer.from('w'));
    expect(await engine.get('n', key(1))).toEqual(new Uint8Array(Buffer.from('w')));
  });

  it("moves externalVersion on other engines' commits, not on its own", async () => {
    const schema = freshSchema();
    const a = await opened(postgresEngine(pgUrl(), { schema }));
    const b = await opened(postgresEngine(pgUrl(), { schema }));
    await a.createNamespace('n');
    const listener = await listenTo(schema);
    const before = a.externalVersion;
    await a.put('n', key(1), Buffer.from('a'));
    // The sentinel comes after a's own notification; once a has heard it, it heard its own.
    await listener.settle();
    await eventually(() => a.externalVersion !== before, 10_000, 'a hearing the sentinel');
    expect(a.externalVersion).toBe(before + 1);
    await b.put('n', key(1), Buffer.from('b'));
    await eventually(() => a.externalVersion !== before, 10_000, 'a hearing b');
  });
});

describe('postgres listener across a server restart', () => {
  it('distrusts the cache while down, reconnects by itself, and then sees other writers again', async () => {
    const server = await startPostgres();
    onTestFinished(() => {
      server.stop();
    });
    const engine = postgresEngine(server.url, { schema: 'keepr', connectTimeoutMs: 2000 });
    const store = await open({ engine, cache: { maxEntries: 100 } });
    onTestFinished(() => store.close());
    const source = await store.source('s');
    await source.put('k', Block.from('one'));
    expect((await source.get('k'))?.toJS()).toBe('one');
    const hits = (await store.stats()).cache!.hits;
    expect((await source.get('k'))?.toJS()).toBe('one');
    expect((await store.stats()).cache!.hits).toBe(hits + 1);
    const stable = engine.externalVersion;
    expect(engine.externalVersion).toBe(stable);

    server.halt('immediate');
    // While the listener is down every look at the version sees a new one...
    await eventually(() => engine.externalVersion !== engine.externalVersion, 10_000, 'the listener noticing the restart');
    // ... so the cached block is not served: the read goes to the (absent) server.
    expect(await codeOfAsync(source.get('k'))).toBe('ENGINE_UNAVAILABLE');

    server.start();
    const restarted = Date.now();
    await eventually(async () => {
      const first = engine.externalVersion;
      return first === engine.externalVersion && (await engine.stats()).extra['listening'] === 1;
    }, 20_000, 'the listener reconnecting');
    console.log(`postgres listener: listening again ${Date.now() - restarted} ms after the server was back`);

    // A writer elsewhere replaces the block; this store's cache must not keep the old one.
    expect((await source.get('k'))?.toJS()).toBe('one');
    const writer = await open({ engine: postgresEngine(server.url, { schema: 'keepr' }) });
    onTestFinished(() => writer.close());
    await (await writer.source('s')).put('k', Block.from('two'));
    await eventually(async () => (await source.get('k'))?.toJS() === 'two', 10_000, 'the store seeing the other writer');
  }, 60_000);
});

/** An engine whose next get, once armed, holds its answer until released. */
class HeldEngine extends PostgresEngine {
  #hold: { reached: () => void; release: Promise<void> } | undefined;

  /** Arms the hold; resolves `reached` once the next get has read its value. */
  arm(): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.#hold = { reached, release: released };
    return { reached: reachedPromise, release };
  }

  protected override async _get(namespace: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    const value = await super._get(namespace, key);
    const hold = this.#hold;
    this.#hold = undefined;
    if (hold !== undefined) {
      hold.reached();
      await hold.release;
    }
    return value;
  }
}

describe('postgres block cache and a read racing another process', () => {
  it('does not cache an answer read before a commit whose notice arrived first', async () => {
    const schema = freshSchema();
    const engine = new HeldEngine({ url: pgUrl(), schema });
    const store = await open({ engine, cache: { maxEntries: 100 } });
    onTestFinished(() => store.close());
    const source = await store.source('s');
    await source.put('k', Block.from('one'));
    await source.put('other', Block.from('x'));
    const writer = await open({ engine: postgresEngine(pgUrl(), { schema }) });
    onTestFinished(() => writer.close());

    // This read gets 'one' from the database, then its answer is held back...
    const hold = engine.arm();
    const before = engine.externalVersion;
    const racing = source.get('k');
    await hold.reached;
    // ... while another process commits 'two' and this one hears of it and reads meanwhile.
    await (await writer.source('s')).put('k', Block.from('two'));
    await eventually(() => engine.externalVersion !== before, 10_000, 'the notice of the other commit');
    expect((await source.get('other'))?.toJS()).toBe('x');
    hold.release();
    // The held answer was right when read; it must not be kept past the notice.
    expect((await racing)?.toJS()).toBe('one');
    expect((await source.get('k'))?.toJS()).toBe('two');
  });
});
