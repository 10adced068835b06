/**
 * Traced child for the harness's own checks: appends fixed-size records to `<dir>/log` and
 * acks each one, either after an fdatasync (`fsync`: nothing acknowledged may be lost) or
 * without any sync (`nosync`: a power cut must be able to lose acknowledged records), or after
 * an fdatasync of the file but without syncing its directory (`nodirsync`: the new file's name
 * may be lost).
 * Usage: node --import tsx raw-writer.ts '<RawWriterConfig as JSON>'
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { rawRecord, type RawMode } from './raw-scenario.js';

/** What the raw writer is told to do. */
export interface RawWriterConfig {
  readonly dir: string;
  readonly markers: string;
  readonly mode: RawMode;
  readonly records: number;
}

const config = JSON.parse(process.argv[2] ?? '') as RawWriterConfig;
const marker = openSync(config.markers, 'a');
const fd = openSync(join(config.dir, 'log'), 'w');
if (config.mode === 'fsync') {
  // The new name must be durable too: sync the directory that holds it.
  const dir = openSync(config.dir, 'r');
  fsyncSync(dir);
  closeSync(dir);
}
for (let n = 0; n < config.records; n++) {
  const record = rawRecord(n);
  writeSync(fd, record, 0, record.length, n * record.length);
  if (config.mode !== 'nosync') fdatasyncSync(fd);
  writeSync(marker, `ack 0 ${n}\n`);
}
closeSync(fd);
closeSync(marker);
