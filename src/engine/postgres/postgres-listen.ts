/**
 * Cache coherence across processes: every commit sends one `NOTIFY <channel>, '<writer id>'`,
 * and each engine LISTENs on its store's channel. A notification from another writer bumps
 * {@link Listener.version}, which empties the block caches above the engine. While the listening
 * connection is down (server restart), notifications may be missed, so every read counts as
 * possibly stale until it is back.
 */
import pg from 'pg';

/** Delay before reconnecting the listening connection, growing to 2 s. */
const RETRY_MS = [50, 100, 250, 500, 1000, 2000];

/** The LISTEN side of one engine. */
export class Listener {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #self: string;
  #client: pg.Client | undefined;
  #version = 0;
  #down = true;
  #closed = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `self`: this writer's id, whose own notifications are ignored. */
  constructor(config: pg.ClientConfig, channel: string, self: string) {
    this.#config = config;
    this.#channel = channel;
    this.#self = self;
  }

  /** Grows when another process may have written; changes on every call while not listening. */
  get version(): number {
    return this.#down ? ++this.#version : this.#version;
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return !this.#down;
  }

  /** Connects and LISTENs; the first failure is thrown, later ones retried in the background. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('notification', (message) => {
      if (message.payload !== this.#self) this.#version++;
    });
    client.on('error', () => {
      this.#lost(client);
    });
    client.on('end', () => {
      this.#lost(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#channel}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#attempt = 0;
    this.#version++;
    this.#down = false;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#down = true;
    this.#version++;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const delay = RETRY_MS[Math.min(this.#attempt++, RETRY_MS.length - 1)]!;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect().catch(() => {
        this.#schedule();
      });
    }, delay);
    this.#timer.unref();
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#down = true;
    if (client !== undefined) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
