/** A RAM-only double-ended queue of blocks: push and pop at both ends (a stack or a queue). */
import type { Block } from '../block/block.js';
import { KeeprError } from '../errors.js';
import { assertBlock } from './volatile-map.js';

/** A deque held in a growable ring buffer: O(1) at both ends. */
export class VolatileDeque {
  /** Container name. */
  readonly name: string;
  #ring: (Block | undefined)[] = new Array<Block | undefined>(16);
  #head = 0;
  #length = 0;

  /** @internal Created by `store.volatiles.deque(name)`. */
  constructor(name: string) {
    this.name = name;
  }

  /** Number of blocks held. */
  async length(): Promise<number> {
    return this.#length;
  }

  /** Adds a block at the front. */
  async pushFirst(block: Block): Promise<void> {
    assertBlock(block);
    this.#grow();
    this.#head = (this.#head - 1 + this.#ring.length) % this.#ring.length;
    this.#ring[this.#head] = block;
    this.#length++;
  }

  /** Adds a block at the back. */
  async pushLast(block: Block): Promise<void> {
    assertBlock(block);
    this.#grow();
    this.#ring[(this.#head + this.#length) % this.#ring.length] = block;
    this.#length++;
  }

  /** Removes and returns the front block, or undefined when empty. */
  async popFirst(): Promise<Block | undefined> {
    if (this.#length === 0) return undefined;
    const block = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#length--;
    return block;
  }

  /** Removes and returns the back block, or undefined when empty. */
  async popLast(): Promise<Block | undefined> {
    if (this.#length === 0) return undefined;
    const at = (this.#head + this.#length - 1) % this.#ring.length;
    const block = this.#ring[at];
    this.#ring[at] = undefined;
    this.#length--;
    return block;
  }

  /** The front block without removing it. */
  async peekFirst(): Promise<Block | undefined> {
    return this.#length === 0 ? undefined : this.#ring[this.#head];
  }

  /** The back block without removing it. */
  async peekLast(): Promise<Block | undefined> {
    return this.#length === 0 ? undefined : this.#ring[(this.#head + this.#length - 1) % this.#ring.length];
  }

  /** The block at position `index` from the front. */
  async at(index: number): Promise<Block | undefined> {
    if (!Number.isInteger(index)) throw new KeeprError('ARGUMENT_INVALID', 'index must be an integer');
    if (index < 0 || index >= this.#length) return undefined;
    return this.#ring[(this.#head + index) % this.#ring.length];
  }

  /** Removes every block. */
  async clear(): Promise<void> {
    this.#ring = new Array<Block | undefined>(16);
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    if (this.#length < this.#ring.length) return;
    const next = new Array<Block | undefined>(this.#ring.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = this.#ring[(this.#head + i) % this.#ring.length];
    this.#ring = next;
    this.#head = 0;
  }
}
