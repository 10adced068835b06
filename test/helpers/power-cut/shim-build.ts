/** Builds io-trace.c (with io-trace-names.c and io-trace.h), the power-cut harness's recording shim. */
import { fileURLToPath } from 'node:url';
import { buildShim as build } from '../c-shim.js';

const file = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** Path of the compiled io-trace shim (compiling it when this source version has no cached build). */
export function buildShim(): string {
  return build('io-trace', [file('io-trace.c'), file('io-trace-names.c')], [file('io-trace.h')]);
}
