/**
 * The proof inspector: decodes a proof (base64url), walks its path (tree roots, the key's
 * bucket, the sibling at each of the 16 levels and the hash they make) and gives the verdict of
 * `verifyProof` — the client's own code — against a state root the user can see and edit. A
 * "tamper" button flips one byte so that a rejected proof can be seen too.
 */
import { errorPanel, h, replace, table } from '../lib/dom.js';
import { fromHex, hex, shortHash } from '../lib/format.js';
import { decodeProof, verifyProof, type StateProof } from '../lib/proof.js';
import { fromBase64Url, proofPath, sameBytes, toBase64Url } from '../lib/proof-path.js';

/** What a proof is checked against: the trusted root and the claim. */
export interface ProofClaim {
  /** The state root, hex. */
  readonly root: string;
  readonly tree: string;
  readonly key: Uint8Array;
  /** The value claimed (raw bytes, or a block's bytes), undefined to claim absence. */
  readonly value: Uint8Array | { readonly bytes: Uint8Array } | undefined;
  /** The proof as the API sent it (base64url). */
  readonly proof: string;
}

function hashCell(hash: Uint8Array, mark = false): HTMLElement {
  const text = hex(hash);
  return h('code', { title: text, class: mark ? 'mark' : undefined }, /^0+$/.test(text) ? 'empty' : shortHash(text));
}

function pathTables(proof: StateProof, claim: ProofClaim, root: Uint8Array): HTMLElement {
  const walk = proofPath(proof, claim.key);
  const listed = proof.trees.has(proof.tree);
  return h(
    'div',
    { class: 'proof-path' },
    h('h3', {}, `Tree roots (${proof.trees.size}) → state root`),
    table(
      ['tree', 'root'],
      [...proof.trees].map(([name, r]) => [name === proof.tree ? h('strong', {}, name) : name, hashCell(r, name === proof.tree)]),
      { className: 'proof-trees' },
    ),
    h('p', {}, 'State root of these trees ', hashCell(walk.stateRoot), sameBytes(walk.stateRoot, root) ? h('span', { class: 'ok' }, ' = the trusted root') : h('span', { class: 'bad' }, ' ≠ the trusted root')),
    listed
      ? h(
          'div',
          {},
          h('h3', {}, `Bucket ${walk.bucket} of tree ${proof.tree} (${proof.bucket.length} entries)`),
          h('p', { class: 'muted' }, 'Key path ', hashCell(walk.keyPath), walk.entry === -1 ? ' — not in the bucket (an exclusion proof)' : ` — entry ${walk.entry}`),
          table(
            ['#', 'key path', 'value hash'],
            proof.bucket.map((e, i) => [String(i), hashCell(e.kh, i === walk.entry), hashCell(e.vh, i === walk.entry)]),
            { num: [0], className: 'proof-bucket' },
          ),
          h('h3', {}, 'Siblings, level by level'),
          table(
            ['level', 'index', 'ours is', 'sibling', 'parent hash'],
            [['16', String(walk.bucket), 'bucket', '', hashCell(walk.bucketHash)], ...walk.levels.map((l) => [String(l.level), String(l.index), l.left ? 'left' : 'right', hashCell(l.sibling), hashCell(l.parent)])],
            { num: [0, 1], className: 'proof-levels' },
          ),
          h(
            'p',
            {},
            'Tree root computed ',
            hashCell(walk.computedTreeRoot),
            sameBytes(walk.computedTreeRoot, walk.listedTreeRoot) ? h('span', { class: 'ok' }, ' = the listed root') : h('span', { class: 'bad' }, ' ≠ the listed root'),
          ),
        )
      : h('p', {}, `The proof lists no tree ${proof.tree}: it shows the tree absent at this height.`),
  );
}

/** The inspector for `claim`; the proof text can be edited, pasted over, or tampered with. */
export function proofInspector(claim: ProofClaim): HTMLElement {
  const rootInput = h('input', { id: 'proof-root', size: 66, value: claim.root, spellcheck: 'false' });
  const text = h('textarea', { id: 'proof-text', rows: 4, cols: 90, spellcheck: 'false' });
  text.value = claim.proof;
  const at = h('input', { id: 'tamper-at', type: 'number', min: 0, value: 0, size: 6 });
  const verdict = h('div', { id: 'proof-verdict', 'aria-live': 'polite' });
  const path = h('div', {});
  const verify = (): void => {
    replace(path);
    let proofBytes: Uint8Array;
    let root: Uint8Array;
    try {
      proofBytes = fromBase64Url(text.value);
      root = fromHex(rootInput.value.trim());
    } catch (err) {
      verdict.dataset['verdict'] = 'unreadable';
      replace(verdict, errorPanel(err));
      return;
    }
    at.max = String(Math.max(0, proofBytes.length - 1));
    let decoded: StateProof;
    let ok: boolean;
    try {
      decoded = decodeProof(proofBytes);
      ok = verifyProof(root, claim.tree, claim.key, claim.value, proofBytes);
    } catch (err) {
      // STATE_PROOF_MALFORMED: the bytes are not the one canonical encoding of any proof.
      verdict.dataset['verdict'] = 'malformed';
      replace(verdict, h('p', { class: 'bad verdict' }, '✗ rejected: the proof does not decode'), errorPanel(err));
      return;
    }
    verdict.dataset['verdict'] = ok ? 'valid' : 'invalid';
    const claimText = claim.value === undefined ? `key absent from tree ${claim.tree}` : `key present in tree ${claim.tree} with this value`;
    replace(
      verdict,
      ok
        ? h('p', { class: 'ok verdict' }, `✓ valid: verifyProof accepts it — ${claimText}, under the trusted root`)
        : h('p', { class: 'bad verdict' }, `✗ invalid: verifyProof rejects it for the claim (${claimText}) and this root`),
    );
    replace(path, pathTables(decoded, claim, root));
  };
  const tamper = (): void => {
    let proofBytes: Uint8Array;
    try {
      proofBytes = fromBase64Url(text.value);
    } catch (err) {
      replace(verdict, errorPanel(err));
      return;
    }
    if (proofBytes.length === 0) return;
    const i = Math.min(Math.max(0, Math.floor(Number(at.value) || 0)), proofBytes.length - 1);
    const copy = proofBytes.slice();
    copy[i] = copy[i]! ^ 0x01;
    text.value = toBase64Url(copy);
    verify();
  };
  // A byte in the middle of the proof is a hash byte in most proofs: the verdict turns invalid.
  at.value = String(Math.floor((fromBase64UrlLength(claim.proof) - 1) / 2));
  const panel = h(
    'section',
    { class: 'panel proof-inspector' },
    h('h2', {}, 'Proof inspector'),
    h('p', { class: 'muted' }, 'Checked in this browser by verifyProof, the code keepr/client runs. Paste another proof (base64url) or flip a byte to see it rejected.'),
    h('label', {}, 'Trusted state root ', rootInput),
    h('div', {}, text),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', id: 'proof-verify', onclick: verify }, 'Verify'),
      h('label', {}, 'byte ', at),
      h('button', { type: 'button', class: 'secondary', id: 'proof-tamper', onclick: tamper }, 'Tamper (flip the byte)'),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'proof-reset',
          onclick: () => {
            text.value = claim.proof;
            rootInput.value = claim.root;
            verify();
          },
        },
        'Reset',
      ),
    ),
    verdict,
    path,
  );
  verify();
  return panel;
}

function fromBase64UrlLength(text: string): number {
  try {
    return fromBase64Url(text).length;
  } catch {
    return 1;
  }
}
