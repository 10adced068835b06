/** Facts about the machine a run was on, for the results file. */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { resolve } from 'node:path';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
  readonly disk: string;
}

/** The mount (device and file system) that holds `path`, from /proc/mounts. */
function mountOf(path: string): string | undefined {
  try {
    const target = resolve(path);
    let best: { dir: string; text: string } | undefined;
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [device, dir, type] = line.split(' ');
      if (device === undefined || dir === undefined || type === undefined) continue;
      if ((target === dir || target.startsWith(dir.endsWith('/') ? dir : `${dir}/`)) && (best === undefined || dir.length >= best.dir.length)) {
        best = { dir, text: `${device} (${type}) mounted on ${dir}` };
      }
    }
    return best?.text;
  } catch {
    return undefined;
  }
}

/** The machine, with a note on the disk that holds `dataDir`. */
export function machineInfo(dataDir: string): MachineInfo {
  const all = cpus();
  return {
    cpuModel: all[0]?.model ?? 'unknown',
    cores: all.length,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    disk: `data in ${dataDir} on ${mountOf(dataDir) ?? 'an unknown mount'}; a shared VM disk whose fsync rate drifts (see W0 at the start and end of the run)`,
  };
}
