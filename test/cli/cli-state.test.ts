import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { changeSetFromJSON } from '../../src/cli/lib/state-json.js';
import { open } from '../../src/store/index.js';
import { codeOf } from '../helpers/error-code.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { ensureBuilt, fails, keepr, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

/** The change set of height 0: a block, bytes under a binary key, and a UTF-8 value. */
const HEIGHT0 = JSON.stringify([
  { op: 'put', tree: 'accounts', key: 'alice', block: { type: 'int32', data: [1, 2, 3] } },
  { op: 'put', tree: 'accounts', key: { hex: '00ff' }, value: { base64: 'AAEC' } },
  { op: 'put', tree: 'apps', key: 'relay', value: 'hello' },
]);

interface Heights {
  latest: number | null;
  prunedBefore: number;
  trees: string[];
  heights: { height: number; root: string }[];
  next: number | null;
}

/** A store with state `chain` at heights 0..n-1 (each later height puts k<h> and deletes relay once). */
function makeChain(n: number): { dir: string; roots: string[] } {
  const dir = join(makeTmpDir(), 'db');
  const roots: string[] = [];
  for (let h = 0; h < n; h++) {
    const set = h === 0 ? HEIGHT0 : JSON.stringify([{ op: 'put', tree: 'apps', key: `k${h}`, value: `v${h}` }, ...(h === 1 ? [{ op: 'delete', tree: 'apps', key: 'relay' }] : [])]);
    const [height, root] = ok(['state', 'commit', 'chain', '--dir', dir], { input: set }).toString().trim().split('\t');
    expect(Number(height)).toBe(h);
    roots.push(root!);
  }
  return { dir, roots };
}

function heights(dir: string, ...args: string[]): Heights {
  return JSON.parse(ok(['state', 'ls', 'chain', '--json', '--dir', dir, ...args]).toString()) as Heights;
}

describe('keepr state commit, ls and get', () => {
  it('commits change sets and lists states and heights with paging', () => {
    const { dir, roots } = makeChain(4);
    expect(roots.every((r) => /^[0-9a-f]{64}$/.test(r))).toBe(true);
    expect(ok(['state', 'ls', '--dir', dir]).toString()).toBe('chain\n');
    expect(JSON.parse(ok(['state', 'ls', '--json', '--dir', dir]).toString())).toEqual({ states: ['chain'] });
    expect(ok(['state', 'ls', 'chain', '--dir', dir]).toString()).toBe(roots.map((r, h) => `${h}\t${r}\n`).join(''));
    const first = heights(dir, '--limit', '2');
    expect(first).toMatchObject({ latest: 3, prunedBefore: 0, trees: ['accounts', 'apps'], heights: [{ height: 0, root: roots[0] }, { height: 1 }], next: 2 });
    expect(heights(dir, '--from', String(first.next)).heights.map((h) => h.height)).toEqual([2, 3]);
    expect(heights(dir, '--reverse', '--from', '2', '--limit', '2')).toMatchObject({ heights: [{ height: 2 }, { height: 1 }], next: 0 });

    const result = JSON.parse(ok(['state', 'commit', 'chain', '--json', '--dir', dir], { input: '[{"op":"put","tree":"t2","key":"a","block":7}]' }).toString()) as Record<string, unknown>;
    expect(result).toMatchObject({ state: 'chain', height: 4, changes: 1, trees: { t2: expect.any(String) as string } });
    expect(heights(dir).latest).toBe(4);
  });

  it('re-applies a committed height idempotently and refuses a different set there', () => {
    const { dir, roots } = makeChain(2);
    expect(ok(['state', 'commit', 'chain', '--height', '0', '--dir', dir], { input: HEIGHT0 }).toString()).toBe(`0\t${roots[0]}\n`);
    fails(['state', 'commit', 'chain', '--height', '0', '--dir', dir], 1, 'STATE_HEIGHT_EXISTS', { input: '[{"op":"put","tree":"apps","key":"x","value":"y"}]' });
    fails(['state', 'commit', 'chain', '--height', '5', '--dir', dir], 1, 'STATE_HEIGHT_INVALID', { input: '[]' });
    // A re-applied height never creates a state.
    fails(['state', 'commit', 'other', '--height', '3', '--dir', dir], 2, 'STATE_NOT_FOUND', { input: '[]' });
    expect(heights(dir).heights.map((h) => h.root)).toEqual(roots);
    expect(ok(['state', 'ls', '--dir', dir]).toString()).toBe('chain\n');
  });

  it('gets values as raw bytes, block bytes, file content and JSON, at any height, with binary keys', () => {
    const { dir, roots } = makeChain(3);
    const out = join(makeTmpDir(), 'v');
    expect(ok(['state', 'get', 'chain', 'apps', 'relay', '--height', '0', '--dir', dir]).toString()).toBe('hello');
    expect(ok(['state', 'get', 'chain', 'apps', 'k2', '--dir', dir]).toString()).toBe('v2');
    const block = Block.decode(ok(['state', 'get', 'chain', 'accounts', 'alice', '--dir', dir]));
    expect(block.toJS()).toEqual([1, 2, 3]);
    ok(['state', 'get', 'chain', 'accounts', 'AP8', '--key-encoding', 'base64url', '-o', out, '--dir', dir]);
    expect([...readFileSync(out)]).toEqual([0, 1, 2]);

    const json = JSON.parse(ok(['state', 'get', 'chain', 'accounts', 'alice', '--json', '--dir', dir]).toString()) as Record<string, unknown>;
    expect(json).toEqual({ state: 'chain', tree: 'accounts', key: 'alice', height: 2, root: roots[2], block: { type: 'int32', shape: [3], hash: block.hashHex, data: [1, 2, 3] } });
    const bytes = JSON.parse(ok(['state', 'get', 'chain', 'accounts', '00ff', '-k', 'hex', '--json', '--dir', dir]).toString()) as Record<string, unknown>;
    expect(bytes).toMatchObject({ key: { hex: '00ff' }, value: { base64: 'AAEC' } });

    // A file block's content with --raw; other blocks have none.
    ok(['state', 'commit', 'chain', '--dir', dir], { input: JSON.stringify([{ op: 'put', tree: 'files', key: 'a.txt', block: { type: 'bytes', data: Buffer.from('hi').toString('base64') } }]) });
    expect(ok(['state', 'get', 'chain', 'files', 'a.txt', '--raw', '--dir', dir]).toString()).toBe('hi');
    fails(['state', 'get', 'chain', 'accounts', 'alice', '--raw', '--dir', dir], 1, 'BLOCK_TYPE_MISMATCH');
  });

  it('reports missing states, heights and keys (exit 2) and bad arguments (exit 1)', () => {
    const { dir } = makeChain(2);
    const cases: [string[], number, string][] = [
      [['state', 'get', 'ghost', 'apps', 'k1'], 2, 'STATE_NOT_FOUND'],
      [['state', 'ls', 'ghost'], 2, 'STATE_NOT_FOUND'],
      [['state', 'get', 'chain', 'apps', 'relay'], 2, 'STATE_KEY_NOT_FOUND'],
      [['state', 'get', 'chain', 'nope', 'k1'], 2, 'STATE_KEY_NOT_FOUND'],
      [['state', 'get', 'chain', 'apps', 'k1', '--height', '9'], 2, 'STATE_HEIGHT_UNKNOWN'],
      [['state', 'prove', 'chain', 'apps', 'k1', '--height', '9'], 2, 'STATE_HEIGHT_UNKNOWN'],
      [['state', 'get', 'chain', 'apps', 'k1', '--height', '-1'], 1, 'ARGUMENT_INVALID'],
      [['state', 'get', 'chain', 'bad/tree', 'k1'], 1, 'NAME_INVALID'],
      [['state', 'get', 'bad/name', 'apps', 'k1'], 1, 'NAME_INVALID'],
      [['state', 'get', 'chain', 'apps', 'zz', '-k', 'hex'], 1, 'ARGUMENT_INVALID'],
      [['state', 'get', 'chain', 'apps', 'x'.repeat(501)], 1, 'STATE_KEY_INVALID'],
      [['state', 'get', 'chain', 'apps', 'k1', '-k', 'rot13'], 1, 'ARGUMENT_INVALID'],
      [['state', 'get', 'chain', 'apps', 'k1', '--proof', '-o', '-'], 1, 'ARGUMENT_INVALID'],
      [['state', 'prune', 'chain'], 1, 'ARGUMENT_INVALID'],
      [['state', 'prune', 'chain', '--keep-last', '1', '--from', '1'], 1, 'ARGUMENT_INVALID'],
      [['state', 'prune', 'chain', '--from', '7'], 1, 'STATE_HEIGHT_INVALID'],
      [['state', 'prune', 'ghost', '--keep-last', '1'], 2, 'STATE_NOT_FOUND'],
    ];
    for (const [args, exit, code] of cases) fails([...args, '--dir', dir], exit, code);
    // Reads never create a store.
    fails(['state', 'ls', '--dir', join(makeTmpDir(), 'none')], 1, 'OPTION_INVALID');
    // With --json the error is a JSON line.
    const res = keepr(['state', 'get', 'ghost', 'apps', 'k1', '--json', '--dir', dir]);
    expect(res.code).toBe(2);
    expect((JSON.parse(res.stderr) as { code: string }).code).toBe('STATE_NOT_FOUND');
  });

  it('writes nothing for a malformed change set', () => {
    const { dir, roots } = makeChain(1);
    const bad: [string, string][] = [
      ['not json', 'ARGUMENT_INVALID'],
      ['{"op":"put"}', 'ARGUMENT_INVALID'],
      ['[{"op":"upsert","tree":"a","key":"k","value":"v"}]', 'ARGUMENT_INVALID'],
      ['[{"op":"put","tree":"a","key":"k"}]', 'ARGUMENT_INVALID'],
      ['[{"op":"put","tree":"a","key":"k","value":"v","block":1}]', 'ARGUMENT_INVALID'],
      ['[{"op":"delete","tree":"a","key":"k","value":"v"}]', 'ARGUMENT_INVALID'],
      ['[{"op":"put","tree":"a","key":"k","value":"v","extra":1}]', 'ARGUMENT_INVALID'],
      ['[{"op":"put","tree":"a","key":"k","value":{"base64":"not base64!"}}]', 'ARGUMENT_INVALID'],
      ['[{"op":"put","tree":"a","key":{"hex":"0"},"value":"v"}]', 'ARGUMENT_INVALID'],
      ['[{"op":"put","tree":"a","key":"k","value":3}]', 'ARGUMENT_INVALID'],
      ['[{"op":"put","tree":"a","key":"k","value":"v"},{"op":"put","tree":"a","key":"k2","block":{"type":"int99","data":[1]}}]', 'BLOCK_TYPE_UNKNOWN'],
      ['[{"op":"put","tree":"a","key":"k","value":"v"},{"op":"put","tree":"bad tree","key":"k","value":"v"}]', 'NAME_INVALID'],
      ['[{"op":"put","tree":"a","key":"k","value":"v"},{"op":"delete","tree":"a","key":""}]', 'STATE_KEY_INVALID'],
    ];
    // The parser every commit goes through, in process; then each refusal once through the CLI
    // per kind of failure (parse, block, name, key), on an existing state and a new one.
    const viaCli = new Set(['not json', ...bad.slice(-3).map(([input]) => input)]);
    for (const [input, code] of bad) {
      if (!viaCli.has(input)) {
        expect.soft(codeOf(() => changeSetFromJSON(input)), input).toBe(code);
        continue;
      }
      fails(['state', 'commit', 'chain', '--dir', dir], 1, code, { input });
      fails(['state', 'commit', 'fresh', '--dir', dir], 1, code, { input });
    }
    fails(['state', 'commit', 'chain', join(dir, 'missing.json'), '--dir', dir], 1, 'ARGUMENT_INVALID');
    // Neither a height nor a state appeared.
    expect(heights(dir).heights.map((h) => h.root)).toEqual(roots);
    expect(ok(['state', 'ls', '--dir', dir]).toString()).toBe('chain\n');
    // 12 CLI processes one after another: room for a loaded machine, not a speed goal.
  }, 180_000);
});

describe('keepr state prove and verify', () => {
  it('a proof from state prove verifies offline, and fails (exit 4) for another value or claim', () => {
    const { dir, roots } = makeChain(3);
    const tmp = makeTmpDir();
    const [proofFile, valueFile, blockFile, otherFile] = ['p.bin', 'v', 'b.blk', 'o'].map((f) => join(tmp, f)) as [string, string, string, string];
    const root = roots[2]!;
    const verify = (proof: string, ...claim: string[]): ReturnType<typeof keepr> => keepr(['state', 'verify', proof, '--root', root, '--tree', 'apps', ...claim]);

    ok(['state', 'prove', 'chain', 'apps', 'k2', '-o', proofFile, '--dir', dir]);
    writeFileSync(valueFile, 'v2');
    writeFileSync(otherFile, 'v3');
    expect(verify(proofFile, '--key', 'k2', '--value', valueFile)).toMatchObject({ code: 0, stderr: '' });
    expect(verify(proofFile, '--key', 'k2', '--value', otherFile).code).toBe(4);
    expect(verify(proofFile, '--key', 'k2', '--absent').code).toBe(4);
    expect(verify(proofFile, '--key', 'k1', '--value', valueFile).code).toBe(4);
    expect(keepr(['state', 'verify', proofFile, '--root', roots[1]!, '--tree', 'apps', '--key', 'k2', '--value', valueFile]).code).toBe(4);
    expect(keepr(['state', 'verify', proofFile, '--root', root, '--tree', 'accounts', '--key', 'k2', '--value', valueFile]).code).toBe(4);
    // --json: the verdict as a document, with the same exit codes.
    const bad = keepr(['state', 'verify', proofFile, '--root', root, '--tree', 'apps', '--key', 'k2', '--value', otherFile, '--json']);
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.stdout.toString())).toEqual({ valid: false, root, tree: 'apps', key: 'k2', present: true });

    // The base64url text on stdout is a proof file too, and stdin works.
    const text = ok(['state', 'prove', 'chain', 'accounts', 'alice', '--dir', dir]);
    expect(text.toString()).toMatch(/^[A-Za-z0-9_-]+\n$/);
    ok(['state', 'get', 'chain', 'accounts', 'alice', '-o', blockFile, '--dir', dir]);
    ok(['state', 'verify', '-', '--root', root, '--tree', 'accounts', '--key', 'alice', '--value', blockFile, '--block'], { input: text });
    // The same bytes claimed as raw bytes rather than a block do not hold.
    expect(keepr(['state', 'verify', '-', '--root', root, '--tree', 'accounts', '--key', 'alice', '--value', blockFile], { input: text }).code).toBe(4);

    // An exclusion proof at an old height, with --json facts.
    const facts = JSON.parse(ok(['state', 'prove', 'chain', 'apps', 'relay', '--height', '1', '--json', '--dir', dir]).toString()) as { root: string; present: boolean; proof: string; byteLength: number };
    expect(facts).toMatchObject({ root: roots[1], present: false, height: 1 });
    expect(Buffer.from(facts.proof, 'base64url').length).toBe(facts.byteLength);
    ok(['state', 'verify', '-', '--root', roots[1]!, '--tree', 'apps', '--key', 'relay', '--absent'], { input: facts.proof });
    const present = JSON.parse(ok(['state', 'prove', 'chain', 'accounts', '00ff', '-k', 'hex', '--json', '--dir', dir]).toString()) as Record<string, unknown>;
    expect(present).toMatchObject({ key: { hex: '00ff' }, present: true, kind: 'bytes', valueHash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
  });

  it('get --proof gives the root and a proof that verifies', () => {
    const { dir, roots } = makeChain(2);
    const tmp = makeTmpDir();
    const doc = JSON.parse(ok(['state', 'get', 'chain', 'apps', 'relay', '--height', '0', '--proof', '--json', '--dir', dir]).toString()) as { root: string; proof: string; value: { base64: string } };
    expect(doc).toMatchObject({ root: roots[0], value: { base64: Buffer.from('hello').toString('base64') } });
    writeFileSync(join(tmp, 'v'), 'hello');
    ok(['state', 'verify', '-', '--root', doc.root, '--tree', 'apps', '--key', 'relay', '--value', join(tmp, 'v')], { input: doc.proof });

    const lines = ok(['state', 'get', 'chain', 'apps', 'k1', '--proof', '-o', join(tmp, 'out'), '--dir', dir]).toString();
    expect(lines).toMatch(new RegExp(`^height\\t1\\nroot\\t${roots[1]}\\nproof\\t[A-Za-z0-9_-]+\\n$`));
    expect(readFileSync(join(tmp, 'out'), 'utf8')).toBe('v1');
  });

  it('refuses malformed proofs and bad claims with exit 1', () => {
    const tmp = makeTmpDir();
    const file = join(tmp, 'p');
    const root = '00'.repeat(32);
    const claim = ['--root', root, '--tree', 'apps', '--key', 'k', '--absent'];
    writeFileSync(file, Uint8Array.of(1, 4, 0x61));
    fails(['state', 'verify', file, ...claim], 1, 'STATE_PROOF_MALFORMED');
    writeFileSync(file, 'not-a-proof');
    fails(['state', 'verify', file, ...claim], 1, 'STATE_PROOF_MALFORMED');
    fails(['state', 'verify', join(tmp, 'missing'), ...claim], 1, 'ARGUMENT_INVALID');
    fails(['state', 'verify', file, '--root', 'abc', '--tree', 'apps', '--key', 'k', '--absent'], 1, 'ARGUMENT_INVALID');
    fails(['state', 'verify', file, '--root', root, '--tree', 'apps', '--key', 'k'], 1, 'ARGUMENT_INVALID');
    fails(['state', 'verify', file, '--root', root, '--key', 'k', '--absent'], 1, 'ARGUMENT_INVALID');
    fails(['state', 'verify', file, ...claim, '--value', file], 1, 'ARGUMENT_INVALID');
    fails(['state', 'verify', '-', '--root', root, '--tree', 'apps', '--key', 'k', '--value', '-'], 1, 'ARGUMENT_INVALID');
    fails(['state', 'verify', file, '--root', root, '--tree', 'apps', '--key', 'k', '--value', file, '--block'], 1, 'BLOCK_MALFORMED');
  });
});

describe('keepr state prune and verify --state', () => {
  it('prunes old heights, which then read as gone (exit 2), and audits clean after', () => {
    const { dir, roots } = makeChain(5);
    expect(JSON.parse(ok(['state', 'prune', 'chain', '--keep-last', '3', '--json', '--dir', dir]).toString())).toMatchObject({ state: 'chain', prunedBefore: 2, deleted: expect.any(Number) as number });
    fails(['state', 'get', 'chain', 'apps', 'relay', '--height', '1', '--dir', dir], 2, 'STATE_HEIGHT_PRUNED');
    expect(ok(['state', 'get', 'chain', 'accounts', 'alice', '--height', '2', '--json', '--dir', dir]).toString()).toContain(roots[2]!);
    ok(['state', 'prune', 'chain', '--from', '3', '--dir', dir]);
    expect(heights(dir)).toMatchObject({ prunedBefore: 3, heights: [{ height: 3 }, { height: 4 }] });
    expect(ok(['verify', '--state', 'chain', '--dir', dir]).toString()).toMatch(/audited state chain: 2 heights/);
  });

  it('verify --state exits 0 on an untouched store and 4, naming the height and where, after one changed byte', async () => {
    const { dir } = makeChain(3);
    // Height 3: a value of 1 KiB or more, which is stored with its hash.
    ok(['state', 'commit', 'chain', '--dir', dir], { input: JSON.stringify([{ op: 'put', tree: 'big', key: 'blob', value: { base64: Buffer.alloc(1500, 7).toString('base64') } }]) });
    const report = JSON.parse(ok(['verify', '--state', 'chain', '--json', '--dir', dir]).toString()) as Record<string, unknown>;
    expect(report).toEqual({ file: expect.objectContaining({ ok: true, problems: [] }) as unknown, states: [{ state: 'chain', ok: true, heights: 4, records: expect.any(Number) as number, problems: [] }] });
    // Without --source only the states are audited; with it the blocks are checked too.
    ok(['put', 'files', 'a', '--dir', dir], { input: 'x' });
    expect(JSON.parse(ok(['verify', '--state', 'chain', '--source', 'files', '--json', '--dir', dir]).toString())).toMatchObject({ blocks: 1, bad: [], states: [{ ok: true }] });
    fails(['verify', '--state', 'ghost', '--dir', dir], 2, 'STATE_NOT_FOUND');

    type Problems = { states: { ok: boolean; problems: { problem: string; height?: number; tree?: string; key?: string }[] }[] };
    // Changes the last byte of the one entry record whose value ends with `suffix`, through the engine.
    const tamper = async (suffix: string): Promise<() => Promise<void>> => {
      const store = await open(dir);
      const ns = 'state:chain';
      const entries = [...store.engine.rangeSync(ns)].filter(({ key, value }) => key[0] === 0x45 && Buffer.from(value).toString('latin1').endsWith(suffix));
      expect(entries).toHaveLength(1);
      const { key, value } = entries[0]!;
      const bad = new Uint8Array(value);
      bad[bad.length - 1]! ^= 1;
      await store.engine.put(ns, key, bad);
      await store.close();
      return async () => {
        const again = await open(dir);
        await again.engine.put(ns, key, value);
        await again.close();
      };
    };

    // A small value (its hash is recomputed, not stored): the height, tree and nodes above it.
    let restore = await tamper('v2');
    const res = keepr(['verify', '--state', 'chain', '--dir', dir]);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/^keepr: STATE_CORRUPT: /);
    expect(res.stdout.toString()).toMatch(/^BAD\tstate:chain\theight=2 tree=apps\ttree root mismatch$/m);
    expect(res.stdout.toString()).toMatch(/^BAD\tstate:chain\theight=2 tree=apps node=\d+\/\d+\tnode mismatch$/m);
    await restore();
    ok(['verify', '--state', 'chain', '--dir', dir]);

    // A large value, stored with its hash: the key itself is named.
    restore = await tamper(String.fromCharCode(7).repeat(8));
    const json = keepr(['verify', '--state', 'chain', '--json', '--dir', dir]);
    expect(json.code).toBe(4);
    const audit = (JSON.parse(json.stdout.toString()) as Problems).states[0]!;
    expect(audit.ok).toBe(false);
    expect(audit.problems).toContainEqual(expect.objectContaining({ problem: 'value hash mismatch', height: 3, tree: 'big', key: Buffer.from('blob').toString('hex') }));
    await restore();
    ok(['verify', '--state', 'chain', '--dir', dir]);
  });

  it('verify --state reports a damaged meta record instead of stopping at it', async () => {
    const { dir } = makeChain(2);
    const store = await open(dir);
    const meta = Uint8Array.of(0x4d);
    const value = new Uint8Array((await store.engine.get('state:chain', meta))!);
    value[0]! ^= 0xff;
    await store.engine.put('state:chain', meta, value);
    await store.close();
    const res = keepr(['verify', '--state', 'chain', '--dir', dir]);
    expect(res.code).toBe(4);
    expect(res.stdout.toString()).toMatch(/^BAD\tstate:chain\trecord=meta\t/m);
    // Reading such a state is an integrity failure too.
    fails(['state', 'ls', 'chain', '--dir', dir], 4, 'STATE_CORRUPT');
  });
});
