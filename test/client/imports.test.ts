// keepr/client must run where only HTTP is wanted: its import graph (type imports aside) may not
// reach the storage engines (lmdb's native code), the server or Fastify.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Modules reached from `entry` by value imports and re-exports: [local files, packages]. */
function graph(entry: string): [string[], string[]] {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'([^']+)'/gm)) {
      const target = m[1]!;
      if (target.startsWith('.')) visit(join(dirname(file), target.replace(/\.js$/, '.ts')));
      else packages.add(target);
    }
  };
  visit(join(SRC, entry));
  return [[...files].map((f) => relative(SRC, f)).sort(), [...packages].sort()];
}

describe('keepr/client', () => {
  it('imports neither the engines, the server nor Fastify', () => {
    const [files, packages] = graph('client/index.ts');
    expect(files).toContain('client/remote-source.ts');
    expect(files).toContain('client/remote-state.ts');
    // The two wire modules the server shares with the client import nothing from Fastify.
    const wire = new Set(['server/batch-wire.ts', 'server/state-wire.ts']);
    expect(files.filter((f) => f.startsWith('engine/') || (f.startsWith('server/') && !wire.has(f)) || f === 'keepr/store.ts')).toEqual([]);
    // Versioned state: only the pure parts (hashing, proofs, key checks), never the views or the store.
    expect(files.filter((f) => f.startsWith('state/')).sort()).toEqual(['state/state-hash.ts', 'state/state-proof.ts', 'state/state-records.ts', 'state/state-working.ts']);
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
  });
});
