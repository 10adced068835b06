/**
 * Progress bars for long commands: drawn on stderr with cli-progress, and only when stderr is a
 * terminal, so pipes, logs and tests see nothing but the command's own output.
 */
import { SingleBar } from 'cli-progress';

/** A progress display; every method is a no-op when nothing is drawn. */
export interface Progress {
  /** Sets the current value. */
  update(value: number): void;
  /** Changes the total (when it becomes known or grows). */
  setTotal(total: number): void;
  /** Removes the bar (idempotent). */
  stop(): void;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  /** Words before the bar, such as `dump`. */
  readonly label: string;
  /** The value at 100 %. */
  readonly total: number;
  /** `bytes` shows sizes in KiB/MiB; `items` plain counts. */
  readonly unit?: 'items' | 'bytes';
  /** Where to draw (default stderr); tests pass a fake terminal. */
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

const NOOP: Progress = { update: () => undefined, setTotal: () => undefined, stop: () => undefined };

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Starts a progress bar when the stream is a terminal; otherwise a silent stand-in. */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) return NOOP;
  const bytes = options.unit === 'bytes';
  const bar = new SingleBar(
    {
      stream,
      format: `${options.label} [{bar}] {percentage}% {shown} | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      // Redraw at most ten times a second: a fast loop must not spend its time on the terminal.
      fps: 10,
      // cli-progress would skip a stream it considers no terminal; the caller decided already.
      noTTYOutput: true,
      notTTYSchedule: 100,
    },
  );
  let total = Math.max(0, options.total);
  let stopped = false;
  const shown = (value: number): string => (bytes ? `${size(value)} / ${size(total)}` : `${value} / ${total}`);
  bar.start(total, 0, { shown: shown(0) });
  return {
    update(value) {
      bar.update(value, { shown: shown(value) });
    },
    setTotal(next) {
      total = next;
      bar.setTotal(next);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** The `onStart` / `onBlock` callbacks of a long store operation, drawn on `progress`. */
export function progressHooks(progress: Progress): { onStart: (total: number) => void; onBlock: (done: number) => void } {
  return {
    onStart: (total) => {
      progress.setTotal(total);
    },
    onBlock: (done) => {
      progress.update(done);
    },
  };
}
