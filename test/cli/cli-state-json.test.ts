/** The JSON forms of the state commands (src/cli/lib/state-json.ts) and proof file reading, without the binary. */
import { describe, expect, it } from 'vitest';
import { Block } from '../../src/block/index.js';
import { proofBytes } from '../../src/cli/commands/state-verify.js';
import { bytesFromJSON, changeSetFromJSON, decodeText, keyToJSON, valueToJSON } from '../../src/cli/lib/state-json.js';
import { codeOf } from '../helpers/error-code.js';

describe('state JSON forms', () => {
  it('reads byte strings in every encoding, strictly', () => {
    expect([...bytesFromJSON('hé', 'k')]).toEqual([0x68, 0xc3, 0xa9]);
    expect([...bytesFromJSON({ utf8: 'a' }, 'k')]).toEqual([0x61]);
    expect([...bytesFromJSON({ hex: '00FFa0' }, 'k')]).toEqual([0, 255, 160]);
    expect([...bytesFromJSON({ base64: 'AP+g' }, 'k')]).toEqual([0, 255, 160]);
    expect([...bytesFromJSON({ base64: 'AA==' }, 'k')]).toEqual([0]);
    expect([...bytesFromJSON({ base64url: 'AP-g' }, 'k')]).toEqual([0, 255, 160]);
    expect([...bytesFromJSON({ base64url: 'AA' }, 'k')]).toEqual([0]);
    for (const bad of [3, null, [], {}, { hex: 'abc' }, { hex: 'zz' }, { base64: 'AP-g' }, { base64: 'AA' }, { base64url: 'AP+g' }, { base64url: 'A' }, { hex: '00', utf8: 'a' }, { latin1: 'a' }, { hex: 1 }]) {
      expect(codeOf(() => bytesFromJSON(bad, 'k'))).toBe('ARGUMENT_INVALID');
    }
    expect(codeOf(() => decodeText('0', 'hex', 'the key'))).toBe('ARGUMENT_INVALID');
  });

  it('prints keys as given and values as base64 or block JSON, in the form change sets read back', () => {
    expect(keyToJSON('alice', 'utf8')).toBe('alice');
    expect(keyToJSON('00ff', 'hex')).toEqual({ hex: '00ff' });
    expect(keyToJSON('AP8', 'base64url')).toEqual({ base64url: 'AP8' });
    const block = Block.from([1, 2]);
    const printed = [
      { op: 'put', tree: 't', key: keyToJSON('00ff', 'hex'), ...valueToJSON(Uint8Array.of(1, 2)) },
      { op: 'put', tree: 't', key: 'b', ...valueToJSON(block) },
    ];
    const [bytes, blockChange] = changeSetFromJSON(JSON.stringify(printed));
    expect(bytes).toEqual({ op: 'put', tree: 't', key: Uint8Array.of(0, 255), value: Uint8Array.of(1, 2) });
    expect(blockChange?.op === 'put' && blockChange.value instanceof Block && blockChange.value.hashHex).toBe(block.hashHex);
  });

  it('reads change sets, with bare JSON values as blocks, and refuses bad ones whole', () => {
    const changes = changeSetFromJSON('[{"op":"put","tree":"a","key":"k","block":10},{"op":"delete","tree":"a","key":{"hex":"01"}}]');
    expect(changes).toHaveLength(2);
    expect(changes[0]?.op === 'put' && changes[0].value instanceof Block && changes[0].value.type).toBe('float64');
    expect(changes[1]).toEqual({ op: 'delete', tree: 'a', key: Uint8Array.of(1) });
    expect(changeSetFromJSON('[]')).toEqual([]);
    expect(codeOf(() => changeSetFromJSON('{'))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => changeSetFromJSON('[null]'))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => changeSetFromJSON('[{"op":"put","tree":7,"key":"k","value":"v"}]'))).toBe('ARGUMENT_INVALID');
    expect(codeOf(() => changeSetFromJSON('[{"op":"put","tree":"a","key":"k","block":{"type":"int32","shape":[2],"data":[1]}}]'))).toBe('BLOCK_INVALID');
    expect(codeOf(() => changeSetFromJSON(`[{"op":"put","tree":"a","key":"${'k'.repeat(501)}","value":"v"}]`))).toBe('STATE_KEY_INVALID');
  });

  it('reads proof files as binary or as base64url text', () => {
    const binary = Uint8Array.of(1, 0, 0, 0, 0, 0xff, 0xff);
    expect(proofBytes(binary)).toBe(binary);
    const text = new TextEncoder().encode(`${Buffer.from(binary).toString('base64url')}\n`);
    expect([...proofBytes(text)]).toEqual([...binary]);
  });
});
