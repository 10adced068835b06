// The layers of src/ (block, engine, keepr, state, store, wire, server, client, cli) may import
// only downwards, engines plug in without the core naming them, and each public entry loads only
// what it needs. Read from the sources, so a forbidden import fails here before it ships.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** A value import or re-export (type-only imports load nothing). */
  readonly value: boolean;
  /** `import('…')` inside a function: loaded only when called. */
  readonly dynamic: boolean;
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

/** Every relative import of every file under src/, and the packages each file imports. */
function importsOf(file: string): { edges: ImportEdge[]; packages: { name: string; value: boolean }[] } {
  const text = readFileSync(join(SRC, file), 'utf8');
  const edges: ImportEdge[] = [];
  const packages: { name: string; value: boolean }[] = [];
  const add = (target: string, value: boolean, dynamic: boolean): void => {
    if (target.startsWith('.')) edges.push({ from: file, to: relative(SRC, join(SRC, dirname(file), target.replace(/\.js$/, '.ts'))), value, dynamic });
    else packages.push({ name: target, value });
  };
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?(?:[^;]*?\sfrom\s+)?'([^']+)'/gm)) add(m[3]!, m[2] === undefined, false);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1]!, true, true);
  return { edges, packages };
}

const FILES = sourceFiles();
const EDGES = FILES.flatMap((f) => importsOf(f).edges);

/** The layer of a file: its first folder under src/ (`errors` and `index` for the two root files). */
function layer(file: string): string {
  const [first, second] = file.split('/');
  return second === undefined ? first!.replace(/\.ts$/, '') : first!;
}

/** The engine implementation a file belongs to (`lmdb`, `memory`), if any. */
function engineImpl(file: string): string | undefined {
  const m = /^engine\/([^/]+)\//.exec(file);
  return m?.[1];
}

const FORBIDDEN: readonly (readonly [string, string])[] = [
  ['block', 'engine'],
  ['engine', 'block'],
  ['engine', 'keepr'],
  ['engine', 'state'],
  ['keepr', 'server'],
  ['keepr', 'state'],
  ['keepr', 'store'],
  ['state', 'server'],
  ['state', 'store'],
  ['client', 'engine'],
  ['client', 'server'],
  ['client', 'store'],
  ['wire', 'server'],
  ['wire', 'client'],
  ['testing', 'keepr'],
  ['testing', 'store'],
  ['testing', 'server'],
  ['instrument', 'server'],
  ['instrument', 'store'],
  ['instrument', 'state'],
  ['instrument', 'client'],
  ['keepr', 'instrument'],
  ['state', 'instrument'],
  ['block', 'instrument'],
  ['engine', 'instrument'],
];


/** Reachable files from `entry` by static value imports and re-exports: [files, packages]. */
function entryGraph(entry: string): [string[], string[]] {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const { edges, packages: used } = importsOf(file);
    for (const e of edges) if (e.value && !e.dynamic) visit(e.to);
    for (const p of used) if (p.value) packages.add(p.name);
  };
  visit(entry);
  return [[...files].sort(), [...packages].filter((p) => !p.startsWith('node:')).sort()];
}

describe('layers of src/', () => {
  it('every import points at a file that exists', () => {
    const known = new Set(FILES);
    expect(EDGES.filter((e) => !known.has(e.to)).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('no forbidden import between layers (type imports included)', () => {
    const broken = EDGES.filter((e) => FORBIDDEN.some(([from, to]) => layer(e.from) === from && layer(e.to) === to));
    expect(broken.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('nothing imports the CLI, the root entry or the test kit (keepr/testing)', () => {
    const broken = EDGES.filter((e) => (['cli', 'testing'].includes(layer(e.to)) && layer(e.from) !== layer(e.to)) || e.to === 'index.ts');
    expect(broken.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('engines plug in: only the store (lazily), the CLI and the engine itself name an engine', () => {
    const broken = EDGES.filter((e) => {
      const target = engineImpl(e.to);
      if (target === undefined || engineImpl(e.from) === target) return false;
      if (layer(e.from) === 'cli') return false;
      return !(layer(e.from) === 'store' && e.dynamic);
    });
    expect(broken.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it("the CLI reaches an engine only through its public entry (factory and EngineFiles), never its internals or storage package", () => {
    const cliFiles = FILES.filter((f) => layer(f) === 'cli');
    const internals = EDGES.filter((e) => layer(e.from) === 'cli' && engineImpl(e.to) !== undefined && !/^engine\/[^/]+\/index\.ts$/.test(e.to));
    const storage = cliFiles.flatMap((f) => importsOf(f).packages.filter((p) => /^(lmdb|pg|classic-level)$/.test(p.name)).map((p) => `${f} -> ${p.name}`));
    expect([...internals.map((e) => `${e.from} -> ${e.to}`), ...storage]).toEqual([]);
  });

  it('no cycle between layers', () => {
    const next = new Map<string, Set<string>>();
    for (const e of EDGES) {
      const [a, b] = [layer(e.from), layer(e.to)];
      if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
    }
    const cycles: string[] = [];
    const walk = (node: string, path: readonly string[]): void => {
      if (path.includes(node)) {
        if (node === path[0]) cycles.push([...path, node].join(' -> '));
        return;
      }
      for (const n of next.get(node) ?? []) walk(n, [...path, node]);
    };
    for (const start of next.keys()) walk(start, []);
    expect(cycles).toEqual([]);
  });
});

describe('what each entry loads', () => {
  it("keepr (import { open } from 'keepr'): no server, no engine, no HTTP or storage package", () => {
    const [files, packages] = entryGraph('index.ts');
    expect(files).toContain('store/open.ts');
    expect(files.filter((f) => ['server', 'client', 'cli'].includes(layer(f)) || engineImpl(f) !== undefined)).toEqual([]);
    // Only the packages the block layer and the in-process core need.
    expect(packages.filter((p) => /fastify|pino|prom-client|^lmdb$|^pg$|classic-level|commander/.test(p))).toEqual([]);
    expect(files.length).toBeLessThan(90);
  });

  it('keepr/client: neither the engines, the server, the store nor Fastify', () => {
    const [files, packages] = entryGraph('client/index.ts');
    expect(files).toContain('client/remote-source.ts');
    // From the block layer's keepr: names, range options and the batch shape, never the store or its cache.
    expect(files.filter((f) => ['engine', 'server', 'store', 'cli'].includes(layer(f)) || f === 'keepr/store.ts' || f === 'keepr/store-cache.ts')).toEqual([]);
    // Versioned state: only the pure parts (hashing, proofs, key checks), never the views.
    expect(files.filter((f) => layer(f) === 'state')).toEqual(['state/height-range.ts', 'state/state-hash.ts', 'state/state-proof.ts', 'state/state-range.ts', 'state/state-records.ts', 'state/state-working.ts']);
    expect(packages).toEqual([]);
  });

  it('keepr/level loads classic-level but no LMDB, other engine or server', () => {
    const [level, levelPackages] = entryGraph('engine/level/index.ts');
    expect(level.filter((f) => ['server', 'keepr', 'store', 'cli'].includes(layer(f)) || (engineImpl(f) !== undefined && engineImpl(f) !== 'level'))).toEqual([]);
    expect(levelPackages).toContain('classic-level');
    expect(levelPackages).not.toContain('lmdb');
  });

  it('keepr/memory loads no LMDB, keepr/lmdb no server', () => {
    const [memory, memoryPackages] = entryGraph('engine/memory/index.ts');
    expect(memory.filter((f) => engineImpl(f) === 'lmdb')).toEqual([]);
    expect(memoryPackages).not.toContain('lmdb');
    const [lmdb, lmdbPackages] = entryGraph('engine/lmdb/index.ts');
    expect(lmdb.filter((f) => ['server', 'keepr', 'store', 'cli'].includes(layer(f)))).toEqual([]);
    expect(lmdbPackages).toContain('lmdb');
  });
});
