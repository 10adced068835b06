/**
 * CPU time on Linux from /proc, to say where a machine's cores went during a timed phase: the
 * whole machine (/proc/stat) and given processes (/proc/<pid>/stat).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's counters (USER_HZ: 100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100;

/** Busy and total CPU seconds of the whole machine since boot (all cores). */
export function machineCpu(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    // idle and iowait are not busy.
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** The command name and CPU seconds (user + system) of one process, or undefined when it is gone. */
function processCpu(pid: string): { name: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name is in parentheses and may hold spaces: the fields after it are counted from its end.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    return { name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by each of `pids` together (processes that are gone count 0). */
export function pidsCpu(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (processCpu(String(pid))?.seconds ?? 0), 0);
}

/** CPU seconds per pid of the given processes (those still there), to diff two readings. */
export function cpuOf(pids: Iterable<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const cpu = processCpu(String(pid));
    if (cpu !== undefined) out.set(pid, cpu.seconds);
  }
  return out;
}

/** CPU seconds the processes in `after` used since `before` (processes new in `after` from zero). */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}
