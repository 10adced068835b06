/** Every workload by id, in the order the driver runs them. */
import type { WorkloadDef } from './types.js';
import { w0 } from './w0.js';
import { w1 } from './w1.js';
import { w2 } from './w2.js';
import { w3 } from './w3.js';
import { w4 } from './w4.js';
import { w5 } from './w5.js';
import { w6 } from './w6.js';
import { w7 } from './w7.js';
import { w8 } from './w8.js';
import { wc } from './wc.js';

export const WORKLOADS: readonly WorkloadDef[] = [w0, w1, w2, w3, w4, w5, w6, w7, wc, w8];

/** The workload with this id. */
export function workload(id: string): WorkloadDef {
  const found = WORKLOADS.find((w) => w.id === id);
  if (found === undefined) throw new Error(`unknown workload ${JSON.stringify(id)} (known: ${WORKLOADS.map((w) => w.id).join(', ')})`);
  return found;
}
