// The hook of load-log.mjs: runs on the loader thread, one line per loaded module.
import { appendFileSync } from 'node:fs';
import process from 'node:process';

/** Logs `url`, then loads it as usual. */
export async function load(url, context, next) {
  const log = process.env.KEEPR_LOADED_LOG;
  if (log !== undefined) appendFileSync(log, `${url}\n`);
  return next(url, context);
}
