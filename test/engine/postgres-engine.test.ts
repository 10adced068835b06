import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isKeeprError } from '../../src/errors.js';
import { runEngineConformance } from '../../src/testing/index.js';
import { PostgresEngine, type PostgresEngineConfig } from '../../src/engine/postgres/index.js';
import { codeOf } from '../helpers/error-code.js';
import { freshPostgresEngine, pgUrl } from '../helpers/postgres-engines.js';
import { freePort } from '../helpers/postgres-server.js';

runEngineConformance({
  name: 'postgres',
  factory: () => freshPostgresEngine(),
  reopen: (closed) => {
    if (!(closed instanceof PostgresEngine)) throw new Error('the suite reopens the engines this factory made');
    return new PostgresEngine(closed.config);
  },
});

describe('PostgresEngine', () => {
  const engines: PostgresEngine[] = [];
  const opened = async (engine: PostgresEngine): Promise<PostgresEngine> => {
    engines.push(engine);
    await engine.open();
    return engine;
  };
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });
  const raw = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: pgUrl() });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  it('refuses bad options with OPTION_INVALID', () => {
    const url = pgUrl();
    const cases: unknown[] = [
      { url: 'mysql://x' },
      { url, schema: 'Bad-Name' },
      { url, schema: '1abc' },
      { url, durability: 'transient' },
      { url, durability: 'fast' },
      { url, poolSize: 0 },
      { url, notify: 'yes' },
      { url, colour: 'red' },
    ];
    for (const config of cases) expect(codeOf(() => new PostgresEngine(config as PostgresEngineConfig)), JSON.stringify(config)).toBe('OPTION_INVALID');
  });

  it('creates the documented tables in its own schema', async () => {
    const engine = await opened(freshPostgresEngine());
    const schema = engine.config.schema;
    const columns = await raw(async (client) => (await client.query<{ table_name: string; column_name: string; data_type: string }>(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position', [schema])).rows);
    expect(columns.map((c) => `${c.table_name}.${c.column_name}:${c.data_type}`)).toEqual([
      'entries.ns:text', 'entries.k:bytea', 'entries.v:bytea', 'keepr_meta.name:text', 'keepr_meta.value:text', 'namespaces.ns:text',
    ]);
    const keys = await raw(async (client) => (await client.query<{ def: string }>(
      "SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 AND c.contype = 'p' ORDER BY c.conrelid::regclass::text", [schema])).rows);
    expect(keys.map((k) => k.def)).toEqual(['PRIMARY KEY (ns, k)', 'PRIMARY KEY (name)', 'PRIMARY KEY (ns)']);
    expect((await engine.stats()).path).toBe(`${pgUrl()}#${schema}`);
  });

  it('never commits the placeholder rows that lock absent checked keys', async () => {
    const engine = await opened(freshPostgresEngine());
    await engine.createNamespace('n');
    const key = Uint8Array.of(1);
    expect(await engine.write([{ op: 'check', namespace: 'n', key, test: (v) => v !== undefined }, { op: 'put', namespace: 'n', key: Uint8Array.of(2), value: Uint8Array.of(2) }])).toEqual({ committed: false, failedCheck: 0 });
    expect(await engine.write([{ op: 'check', namespace: 'n', key, test: (v) => v === undefined }, { op: 'put', namespace: 'n', key: Uint8Array.of(3), value: Uint8Array.of(3) }])).toEqual({ committed: true });
    const rows = await raw(async (client) => (await client.query<{ k: Buffer; v: Buffer | null }>(`SELECT k, v FROM ${engine.config.schema}.entries ORDER BY k`)).rows);
    expect(rows.map((r) => [r.k.toString('hex'), r.v?.toString('hex') ?? null])).toEqual([['03', '03']]);
  });

  it('lets exactly one of many processes create a key if absent', async () => {
    const first = await opened(freshPostgresEngine());
    await first.createNamespace('n');
    // Separate engines: separate pools, as separate processes would have.
    const others = await Promise.all(Array.from({ length: 5 }, () => opened(new PostgresEngine(first.config))));
    for (let round = 0; round < 10; round++) {
      const key = Uint8Array.of(round);
      const outcomes = await Promise.all(
        [first, ...others].map((engine, i) =>
          engine.write([{ op: 'check', namespace: 'n', key, test: (v) => v === undefined }, { op: 'put', namespace: 'n', key, value: Uint8Array.of(i) }]),
        ),
      );
      expect(outcomes.filter((o) => o.committed)).toHaveLength(1);
    }
  });

  it('is ENGINE_UNAVAILABLE when the server cannot be reached', async () => {
    const port = await freePort();
    const engine = new PostgresEngine({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, connectTimeoutMs: 2000 });
    const err = await engine.open().catch((e: unknown) => e);
    expect(isKeeprError(err, 'ENGINE_UNAVAILABLE')).toBe(true);
    expect(engine.status).toBe('closed');
  });

  it('refuses a schema written with another layout version', async () => {
    const engine = await opened(freshPostgresEngine());
    await engine.close();
    await raw((client) => client.query(`UPDATE ${engine.config.schema}.keepr_meta SET value = '99' WHERE name = 'layout'`));
    const err = await new PostgresEngine(engine.config).open().catch((e: unknown) => e);
    expect(isKeeprError(err, 'ENGINE_FORMAT_UNSUPPORTED')).toBe(true);
  });

  it('acknowledges write-cache commits before the WAL flush and flushes on demand', async () => {
    const engine = await opened(freshPostgresEngine({ durability: 'write-cache' }));
    expect(engine.durability).toBe('write-cache');
    await engine.createNamespace('n');
    await engine.put('n', Uint8Array.of(1), Uint8Array.of(9));
    await engine.flushed();
    const again = await opened(new PostgresEngine({ ...engine.config, durability: 'sync' }));
    expect(await again.get('n', Uint8Array.of(1))).toEqual(Uint8Array.of(9));
  });
});
