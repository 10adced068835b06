/** `keepr state verify <proof>`: checks a state proof offline against a root; exit 0 when it holds, 4 when not. */
import { Option, type Command } from 'commander';
import { Block } from '../../block/index.js';
import { KeeprError } from '../../errors.js';
import { verifyProof } from '../../state/index.js';
import { keyToJSON } from '../lib/state-json.js';
import { CommandExit, EXIT, printJSON, readInput, writeStdout } from './common.js';
import { keyEncodingOption, treeAndKey, type KeyOptions } from './state-common.js';

interface VerifyProofOptions extends KeyOptions {
  readonly root: string;
  readonly tree: string;
  readonly key: string;
  readonly value?: string;
  readonly absent?: boolean;
  readonly block?: boolean;
  readonly json?: boolean;
}

// A binary proof starts with its version byte (1), never a base64url character, so the two
// forms `state prove` writes cannot be confused.
const BASE64URL_TEXT = /^[A-Za-z0-9_-]+\s*$/;

/** The proof bytes of a file holding a binary proof or its base64url text. */
export function proofBytes(input: Uint8Array): Uint8Array {
  const text = Buffer.from(input).toString('latin1');
  return BASE64URL_TEXT.test(text) ? new Uint8Array(Buffer.from(text.trim(), 'base64url')) : input;
}

/** Registers `state verify`. */
export function registerStateVerify(state: Command): void {
  state
    .command('verify')
    .description('check a state proof against a root, offline (no store): exit 0 when it holds, 4 when it does not, 1 when it is malformed')
    .argument('<proof>', 'proof file, binary or base64url text as keepr state prove writes it; - for stdin')
    .requiredOption('--root <hex>', 'the state root the proof must lead to (64 hex digits)')
    .requiredOption('--tree <tree>', 'tree name')
    .requiredOption('--key <key>', 'key (UTF-8 unless --key-encoding)')
    .addOption(new Option('--value <file>', 'the claimed value: a file with its bytes (- for stdin)').conflicts('absent'))
    .option('--absent', 'claim the key has no value (an exclusion proof)')
    .addOption(new Option('--block', 'the --value file is a binary keepr block (a block value, not raw bytes)').conflicts('absent'))
    .addOption(keyEncodingOption())
    .option('--json', 'print { valid, root, tree, key, present }')
    .action(async (proofFile: string, options: VerifyProofOptions) => {
      if (options.value === undefined && options.absent !== true) throw new KeeprError('ARGUMENT_INVALID', 'give the claimed value with --value <file>, or --absent');
      if (!/^[0-9a-fA-F]{64}$/.test(options.root)) throw new KeeprError('ARGUMENT_INVALID', '--root must be 64 hex digits', { details: { option: 'root' } });
      const isStdin = (p: string | undefined): boolean => p === '-';
      if (isStdin(proofFile) && isStdin(options.value)) throw new KeeprError('ARGUMENT_INVALID', 'the proof and the value cannot both come from stdin');
      const key = treeAndKey(options.tree, options.key, options.keyEncoding);
      const proof = proofBytes(await readInput(proofFile));
      let value: Uint8Array | Block | undefined;
      if (options.value !== undefined) {
        const bytes = new Uint8Array(await readInput(options.value));
        // A block is checked fully, so a wrong file is named as such rather than a failed proof.
        value = options.block === true ? Block.decode(bytes) : bytes;
      }
      // A proof that does not decode throws STATE_PROOF_MALFORMED (exit 1).
      const valid = verifyProof(Buffer.from(options.root, 'hex'), options.tree, key, value, proof);
      if (options.json === true) {
        await printJSON({ valid, root: options.root.toLowerCase(), tree: options.tree, key: keyToJSON(options.key, options.keyEncoding), present: value !== undefined });
      } else {
        await writeStdout(valid ? 'proof holds\n' : 'proof does NOT hold\n');
      }
      if (!valid) throw new CommandExit(EXIT.CORRUPT, 'the proof does not hold');
    });
}
