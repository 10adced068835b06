/**
 * The two ways of driving the mix: a closed loop (N clients, each sends its next request when
 * the last is answered) to measure the maximum, and an open loop (requests sent on a fixed
 * schedule, whatever the answers) to soak at a constant offered rate.
 */
import type { HttpClient } from './http.js';
import type { Workload } from './workload.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `clients` closed-loop clients for `seconds`; answers requests answered per second. */
export async function closedLoop(workload: Workload, clients: number, seconds: number): Promise<{ requests: number; perSec: number }> {
  const started = performance.now();
  const end = started + seconds * 1000;
  let requests = 0;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const { kind, outcome } = await workload.run(workload.chooseKind());
      const t = performance.now();
      workload.recorder.op(kind, outcome, (t - t0) * 1000, t);
      if (outcome !== 'dropped') requests++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { requests, perSec: requests / ((performance.now() - started) / 1000) };
}

/**
 * Sends the mix at `perSec` requests a second over the client's socket pool. Latency counts
 * from each request's scheduled time, so queueing behind a slow answer is counted. When a
 * connection is refused or dropped, sending pauses until /healthz answers again (that time
 * is "unavailable"), and the schedule restarts from then: missed slots are not made up.
 */
export class OpenLoop {
  #timer: NodeJS.Timeout | undefined;
  #base = 0;
  #issued = 0;
  #inFlight = 0;
  #available = true;
  #downSince = 0;
  #recoveredAt = 0;
  #probing: Promise<void> = Promise.resolve();
  /** Requests sent. */
  sent = 0;
  /** Completed outages. */
  outages = 0;

  constructor(
    readonly workload: Workload,
    readonly client: HttpClient,
    readonly perSec: number,
    /** Beyond this many requests in flight, scheduled requests are shed (and counted). */
    readonly maxInFlight = 2048,
  ) {}

  /** Starts sending. */
  start(): void {
    this.#base = performance.now();
    this.#issued = 0;
    this.#timer = setInterval(() => {
      this.#tick();
    }, 2);
  }

  #tick(): void {
    if (!this.#available) return;
    const due = Math.floor(((performance.now() - this.#base) * this.perSec) / 1000) - this.#issued;
    for (let i = 0; i < due; i++) {
      const scheduled = this.#base + (this.#issued * 1000) / this.perSec;
      this.#issued++;
      if (this.#inFlight >= this.maxInFlight) this.workload.recorder.shed();
      else this.#send(scheduled);
    }
  }

  #send(scheduled: number): void {
    this.#inFlight++;
    this.sent++;
    const sentAt = performance.now();
    void this.workload.run(this.workload.chooseKind()).then(({ kind, outcome }) => {
      this.#inFlight--;
      const t = performance.now();
      this.workload.recorder.op(kind, outcome, (t - scheduled) * 1000, t);
      if (outcome === 'dropped' && sentAt >= this.#recoveredAt) this.#down(t);
    });
  }

  #down(t: number): void {
    if (!this.#available) return;
    this.#available = false;
    this.#downSince = t;
    this.#probing = this.#probe();
  }

  async #probe(): Promise<void> {
    while (!(await this.client.healthy())) await sleep(20);
    const t = performance.now();
    this.workload.recorder.unavailable(this.#downSince, t);
    this.outages++;
    this.#recoveredAt = t;
    this.#base = t;
    this.#issued = 0;
    this.#available = true;
  }

  /** True while the loop waits for the server to come back. */
  get waiting(): boolean {
    return !this.#available;
  }

  /** Stops sending and waits for every request in flight and any outage to end. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#probing;
    while (this.#inFlight > 0) await sleep(10);
  }
}
