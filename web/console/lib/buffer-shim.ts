/**
 * The few `Buffer` members src/state uses (allocUnsafe, write latin1, latin1Write, compare, concat), for
 * the browser bundle: the build injects this as the global `Buffer` there.
 */
export class BufferShim extends Uint8Array {
  /** A zeroed buffer of `size` bytes (the browser has no pool to leave unzeroed). */
  static allocUnsafe(size: number): BufferShim {
    return new BufferShim(size);
  }

  /** Bytewise order of two byte strings: -1, 0 or 1. */
  static compare(a: Uint8Array, b: Uint8Array): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  /** The parts one after another. */
  static concat(parts: readonly Uint8Array[]): BufferShim {
    const out = new BufferShim(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Writes a latin1 string's characters as bytes at `offset`; returns the count written. */
  write(text: string, offset: number, encoding: string): number {
    if (encoding !== 'latin1' && encoding !== 'binary') throw new Error(`the console writes latin1 only, not ${encoding}`);
    return this.latin1Write(text, offset, this.length - offset);
  }

  /** Node's (untyped) `Buffer#latin1Write`: at most `length` characters of `text` as bytes at `offset`. */
  latin1Write(text: string, offset: number, length: number): number {
    const n = Math.min(text.length, length, this.length - offset);
    for (let i = 0; i < n; i++) this[offset + i] = text.charCodeAt(i) & 0xff;
    return n;
  }
}

/** Injected as the global `Buffer` of the bundle. */
export { BufferShim as Buffer };
