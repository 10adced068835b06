/**
 * Long-lived child of the power-cut harness: for each state directory it is sent, opens the
 * store with keepr's public API, reads every source, closes, then does it all again, and
 * answers what it saw (digests of every block, or the stage and error that stopped it).
 * One child checks many states; if one state kills it, the parent starts another.
 * Usage: forked with tsx and an IPC channel; messages are CheckRequest, answers CheckAnswer.
 */
import { isKeeprError } from '../../../src/errors.js';
import type { Store } from '../../../src/store/index.js';
import { openStore, type StoreOptions as OpenOptions } from '../open-store.js';
import type { CheckPass } from './verdict.js';
import { digest } from './writer-plan.js';

/** A state to check. */
export interface CheckRequest {
  readonly id: number;
  readonly dir: string;
  readonly options: OpenOptions;
}

/** What the child saw in it. */
export interface CheckAnswer {
  readonly id: number;
  readonly passes: CheckPass[];
}

function described(stage: 'open' | 'read' | 'close', err: unknown): CheckPass['error'] {
  const keepr = isKeeprError(err);
  const code = keepr ? err.code : err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  return { stage, keepr, code, message: message.slice(0, 300) };
}

async function readAll(store: Store): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await store.sources()) {
    const source = await store.source(name, { create: false });
    for await (const [key, block] of source.entries()) entries[`${name}/${key}`] = digest(block.bytes);
  }
  return entries;
}

async function pass(dir: string, options: OpenOptions): Promise<CheckPass> {
  let store: Store;
  try {
    store = await openStore(dir, options);
  } catch (err) {
    return { error: described('open', err) };
  }
  let entries: Record<string, string> | undefined;
  let error: CheckPass['error'];
  try {
    entries = await readAll(store);
  } catch (err) {
    error = described('read', err);
  }
  try {
    await store.close();
  } catch (err) {
    error ??= described('close', err);
  }
  return { ...(entries === undefined ? {} : { entries }), ...(error === undefined ? {} : { error }) };
}

async function check(request: CheckRequest): Promise<CheckAnswer> {
  const first = await pass(request.dir, request.options);
  const passes = [first];
  if (first.error?.stage !== 'open') passes.push(await pass(request.dir, request.options));
  return { id: request.id, passes };
}

const send = process.send?.bind(process);
if (send === undefined) {
  console.error('check-child.ts must be forked with an IPC channel');
  process.exit(64);
}
process.on('message', (request: CheckRequest) => {
  void check(request).then((answer) => send(answer));
});
send({ ready: true });
