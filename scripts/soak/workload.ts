/**
 * The soak mix, one operation at a time: 70 % GETs of acknowledged 1 KiB blocks (checked byte
 * for byte), 25 % PUTs of new 1 KiB blocks under unique keys, 2.5 % DELETEs of acknowledged
 * keys and 2.5 % batches of 4 new blocks. Every answer updates the ledger; a refused or dropped
 * connection is "dropped", never an error, and makes the write unknown.
 */
import { HttpClient, isConnectionError } from './http.js';
import { digest, randomBlock, type Ledger, type Rng } from './ledger.js';
import type { OpKind, OpOutcome, Recorder } from './report.js';

const BLOCK_TYPE = { 'content-type': 'application/vnd.keepr.block' };
const JSON_TYPE = { 'content-type': 'application/json' };
/** Blocks per batch write. */
export const BATCH_PUTS = 4;

function snippet(body: Buffer): string {
  return body.subarray(0, 300).toString('utf8');
}

/** Runs single operations of the mix against one source. */
export class Workload {
  #next = 0;

  constructor(
    readonly client: HttpClient,
    readonly ledger: Ledger,
    readonly rng: Rng,
    readonly source: string,
    /** Prefix of every key this run writes (unique per run). */
    readonly prefix: string,
    /** Where errors and lost writes go; swapped between the measurement and the soak. */
    public recorder: Recorder,
  ) {}

  /** The URL path of a block. */
  path(key: string): string {
    return `/v1/sources/${this.source}/blocks/${key}`;
  }

  /** A fresh key. */
  newKey(): string {
    return `${this.prefix}${(this.#next++).toString(36)}`;
  }

  /** Picks the next operation by the mix's weights. */
  chooseKind(): OpKind {
    const r = this.rng.float();
    if (r < 0.7) return 'get';
    if (r < 0.95) return 'put';
    return r < 0.975 ? 'delete' : 'batch';
  }

  /** Runs one operation; never rejects. Answers with the kind actually run (a get with no key to read is a put). */
  async run(kind: OpKind): Promise<{ kind: OpKind; outcome: OpOutcome }> {
    try {
      switch (kind) {
        case 'get': {
          const key = this.ledger.pick(this.rng);
          return key === undefined ? { kind: 'put', outcome: await this.#put() } : { kind, outcome: await this.#get(key) };
        }
        case 'delete': {
          const key = this.ledger.takeForDelete(this.rng);
          return key === undefined ? { kind: 'put', outcome: await this.#put() } : { kind, outcome: await this.#delete(key) };
        }
        case 'put':
          return { kind, outcome: await this.#put() };
        case 'batch':
          return { kind, outcome: await this.#batch() };
      }
    } catch (err) {
      this.recorder.error(`${kind} threw`, err instanceof Error ? (err.stack ?? err.message) : String(err));
      return { kind, outcome: 'error' };
    }
  }

  #failed(what: string, err: unknown): OpOutcome {
    if (isConnectionError(err)) return 'dropped';
    this.recorder.error(`${what} failed`, err instanceof Error ? err.message : String(err));
    return 'error';
  }

  async #get(key: string): Promise<OpOutcome> {
    const expected = this.ledger.expected(key);
    let reply;
    try {
      reply = await this.client.request('GET', this.path(key));
    } catch (err) {
      return this.#failed(`GET ${key}`, err);
    }
    if (reply.status === 200) {
      if (expected !== undefined && digest(reply.body) !== expected && this.ledger.expected(key) === expected) {
        this.recorder.lostWrite('read back different bytes', `GET ${key}: ${reply.body.length} bytes, sha256 ${digest(reply.body)}, expected ${expected}`);
        this.ledger.forget(key);
      }
      return 'ok';
    }
    if (reply.status === 404) {
      if (this.ledger.mustExist(key)) {
        this.recorder.lostWrite('acknowledged write not found', `GET ${key}: 404 ${snippet(reply.body)}`);
        this.ledger.forget(key);
      }
      return 'ok';
    }
    this.recorder.error(`GET ${reply.status}`, `${key}: ${snippet(reply.body)}`);
    return 'error';
  }

  async #put(): Promise<OpOutcome> {
    const key = this.newKey();
    const block = randomBlock(this.rng);
    let reply;
    try {
      reply = await this.client.request('PUT', this.path(key), block.bytes, BLOCK_TYPE);
    } catch (err) {
      this.ledger.unknownWrites++;
      return this.#failed(`PUT ${key}`, err);
    }
    if (reply.status === 201 || reply.status === 200 || reply.status === 204) {
      this.ledger.acked(key, block.digest);
      return 'ok';
    }
    this.ledger.unknownWrites++;
    this.recorder.error(`PUT ${reply.status}`, `${key}: ${snippet(reply.body)}`);
    return 'error';
  }

  async #delete(key: string): Promise<OpOutcome> {
    let reply;
    try {
      reply = await this.client.request('DELETE', this.path(key));
    } catch (err) {
      this.ledger.deleteUnknown(key);
      return this.#failed(`DELETE ${key}`, err);
    }
    if (reply.status === 204) {
      this.ledger.deleteAcked(key);
      return 'ok';
    }
    if (reply.status === 404) {
      this.recorder.lostWrite('acknowledged write not found by DELETE', `DELETE ${key}: 404 ${snippet(reply.body)}`);
      this.ledger.forget(key);
      return 'ok';
    }
    this.ledger.deleteUnknown(key);
    this.recorder.error(`DELETE ${reply.status}`, `${key}: ${snippet(reply.body)}`);
    return 'error';
  }

  async #batch(): Promise<OpOutcome> {
    const puts = Array.from({ length: BATCH_PUTS }, () => ({ key: this.newKey(), block: randomBlock(this.rng) }));
    const body = JSON.stringify({ ops: puts.map((p) => ({ op: 'put', key: p.key, blockBase64: Buffer.from(p.block.bytes).toString('base64') })) });
    let reply;
    try {
      reply = await this.client.request('POST', `/v1/sources/${this.source}/batch`, body, JSON_TYPE);
    } catch (err) {
      this.ledger.unknownWrites += BATCH_PUTS;
      return this.#failed(`batch ${puts[0]!.key}…`, err);
    }
    if (reply.status === 200) {
      for (const p of puts) this.ledger.acked(p.key, p.block.digest);
      return 'ok';
    }
    this.ledger.unknownWrites += BATCH_PUTS;
    this.recorder.error(`batch ${reply.status}`, `${puts[0]!.key}…: ${snippet(reply.body)}`);
    return 'error';
  }
}

/** Writes `count` blocks in batches of 200 (before measuring, so that reads have keys). */
export async function prefill(workload: Workload, count: number): Promise<void> {
  for (let done = 0; done < count; done += 200) {
    const puts = Array.from({ length: Math.min(200, count - done) }, () => ({ key: workload.newKey(), block: randomBlock(workload.rng) }));
    const body = JSON.stringify({ ops: puts.map((p) => ({ op: 'put', key: p.key, blockBase64: Buffer.from(p.block.bytes).toString('base64') })) });
    const reply = await workload.client.request('POST', `/v1/sources/${workload.source}/batch`, body, JSON_TYPE);
    if (reply.status !== 200) throw new Error(`prefill batch: ${reply.status} ${snippet(reply.body)}`);
    for (const p of puts) workload.ledger.acked(p.key, p.block.digest);
  }
}
