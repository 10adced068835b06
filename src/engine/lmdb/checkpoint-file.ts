/**
 * A writer's checkpoint file, `wal/<writer>/checkpoint`: the last LMDB state this writer
 * made durable (synced) and kept pinned, so recovery can go back to it after a power cut.
 * Two 512-byte slots written alternately (pwrite + fdatasync), so a write torn by a crash
 * leaves the other slot whole. A slot:
 *
 *   0 u32 magic "KPCK" | 4 u32 version 1 | 8 u64 generation | 16 u64 LMDB txnid
 *   | 24 u64 keepr sequence number | 32 u32 page size | 36 u32 meta length (168)
 *   | 40 8 bytes boot id (ASCII hex) | 48 u64 written at (ms since 1970) | 64 meta page bytes
 *   | ... zeros ... | 508 u32 CRC-32 of bytes 0..507
 *
 * All integers little-endian. The slot with the higher generation whose CRC holds wins.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, readSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { KeeprError } from '../../errors.js';
import { crc32 } from './log-record.js';
import { META_BYTES, parseMeta, type MetaPage } from './lmdb-meta.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/** File name of the checkpoint file inside a writer folder. */
export const CHECKPOINT_FILE = 'checkpoint';
const SLOT = 512;
const MAGIC = 0x4b43504b;
const VERSION = 1;

/** A checkpoint: LMDB was synced with transaction `txnId` (keepr sequence `seq`) as its newest. */
export interface Checkpoint {
  readonly generation: number;
  readonly txnId: number;
  readonly seq: number;
  readonly boot: string;
  readonly writtenAt: number;
  /** The meta page of `txnId`, to write back after a power cut. */
  readonly meta: MetaPage;
}

/** Encodes a checkpoint as one slot. */
export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const slot = Buffer.alloc(SLOT);
  slot.writeUInt32LE(MAGIC, 0);
  slot.writeUInt32LE(VERSION, 4);
  slot.writeBigUInt64LE(BigInt(cp.generation), 8);
  slot.writeBigUInt64LE(BigInt(cp.txnId), 16);
  slot.writeBigUInt64LE(BigInt(cp.seq), 24);
  slot.writeUInt32LE(cp.meta.pageSize, 32);
  slot.writeUInt32LE(META_BYTES, 36);
  slot.write(cp.boot.padEnd(8, ' ').slice(0, 8), 40, 'latin1');
  slot.writeBigUInt64LE(BigInt(cp.writtenAt), 48);
  cp.meta.bytes.copy(slot, 64, 0, META_BYTES);
  slot.writeUInt32LE(crc32(slot.subarray(0, SLOT - 4)), SLOT - 4);
  return slot;
}

/** Decodes one slot; undefined when it is empty, torn or damaged. */
export function decodeCheckpoint(slot: Buffer, index: number): Checkpoint | undefined {
  if (slot.length < SLOT || slot.readUInt32LE(0) !== MAGIC) return undefined;
  if (crc32(slot.subarray(0, SLOT - 4)) !== slot.readUInt32LE(SLOT - 4)) return undefined;
  if (slot.readUInt32LE(4) !== VERSION || slot.readUInt32LE(36) !== META_BYTES) return undefined;
  const txnId = Number(slot.readBigUInt64LE(16));
  const metaBytes = slot.subarray(64, 64 + META_BYTES);
  const meta = parseMeta(metaBytes, txnId % 2);
  if (meta === undefined || meta.txnId !== txnId || meta.pageSize !== slot.readUInt32LE(32)) return undefined;
  const generation = Number(slot.readBigUInt64LE(8));
  if (generation % 2 !== index) return undefined;
  return { generation, txnId, seq: Number(slot.readBigUInt64LE(24)), boot: slot.toString('latin1', 40, 48).trim(), writtenAt: Number(slot.readBigUInt64LE(48)), meta };
}

/** What a checkpoint file holds: the newest valid checkpoint, and how many slots were damaged. */
export interface CheckpointRead {
  readonly checkpoint: Checkpoint | undefined;
  /** Slots that hold bytes but no valid checkpoint (torn by a crash, or damaged). */
  readonly badSlots: number;
}

/** Reads a checkpoint file (a missing file reads as no checkpoint). */
export function readCheckpointFile(path: string): CheckpointRead {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoint: undefined, badSlots: 0 };
    throw err;
  }
  try {
    const bytes = Buffer.alloc(2 * SLOT);
    const n = readSync(fd, bytes, 0, bytes.length, 0);
    let best: Checkpoint | undefined;
    let badSlots = 0;
    for (const index of [0, 1]) {
      const slot = bytes.subarray(index * SLOT, index * SLOT + SLOT);
      const cp = n >= (index + 1) * SLOT ? decodeCheckpoint(slot, index) : undefined;
      if (cp === undefined && slot.some((b) => b !== 0)) badSlots++;
      if (cp !== undefined && (best === undefined || cp.generation > best.generation)) best = cp;
    }
    return { checkpoint: best, badSlots };
  } finally {
    closeSync(fd);
  }
}

/** A writer's open checkpoint file. */
export class CheckpointFile {
  readonly path: string;
  readonly #fd: number;
  #generation: number;

  private constructor(path: string, fd: number, generation: number) {
    this.path = path;
    this.#fd = fd;
    this.#generation = generation;
  }

  /** Creates (or opens) the file; writes continue after its newest generation. */
  static open(path: string): CheckpointFile {
    const { checkpoint } = readCheckpointFile(path);
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // 'w+', never 'a+': positioned writes to a file opened for appending land at its end.
      fd = openSync(path, 'w+', 0o644);
    }
    return new CheckpointFile(path, fd, checkpoint?.generation ?? 0);
  }

  /** Writes the next checkpoint into the older slot and syncs it (synchronously: at open). */
  write(cp: Omit<Checkpoint, 'generation'>): Checkpoint {
    const full: Checkpoint = { ...cp, generation: this.#generation + 1 };
    const slot = encodeCheckpoint(full);
    const written = writeSync(this.#fd, slot, 0, slot.length, (full.generation % 2) * SLOT);
    if (written !== slot.length) throw new KeeprError('ENGINE_FAILURE', `short write to ${this.path}`);
    fdatasyncSync(this.#fd);
    this.#generation = full.generation;
    return full;
  }

  /** The same, off the main thread (the file is only ever written by one writer at a time). */
  async writeAsync(cp: Omit<Checkpoint, 'generation'>): Promise<Checkpoint> {
    const full: Checkpoint = { ...cp, generation: this.#generation + 1 };
    const slot = encodeCheckpoint(full);
    const { bytesWritten } = await writeAsync(this.#fd, slot, 0, slot.length, (full.generation % 2) * SLOT);
    if (bytesWritten !== slot.length) throw new KeeprError('ENGINE_FAILURE', `short write to ${this.path}`);
    await fdatasyncAsync(this.#fd);
    this.#generation = full.generation;
    return full;
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.#fd);
  }
}
