/**
 * What tools need from a store's files without going through an open store: who has it open,
 * a structural check before opening, putting a rebuilt store in place, salvaging a damaged log.
 * The CLI's `backup`, `restore`, `compact`, `verify` and `salvage` use only this, so an engine
 * plugs into them by shipping an {@link EngineFiles} beside its factory (`lmdbFiles` in
 * `keepr/lmdb`), and the CLI never reads an engine's files itself.
 */
import type { Engine } from './engine.js';

/** One problem a structural check found, for people and for `--json`. */
export interface FileProblem {
  /** A stable word for the kind of damage (engine-specific). */
  readonly kind: string;
  /** The page it was found on, when the engine has pages. */
  readonly page?: number;
  /** What is wrong, for people. */
  readonly message: string;
}

/** What a structural check of a store's files found (engines add their own fields). */
export interface FileCheckReport {
  /** True when no problem was found. */
  readonly ok: boolean;
  /** False when the files changed while they were read (another process writes them): problems may be spurious. */
  readonly stable: boolean;
  readonly problems: readonly FileProblem[];
  /** True when the check stopped early: there may be more problems. */
  readonly problemsCapped: boolean;
}

/** One damaged stretch of a log that salvage skipped. */
export interface LogDamageReport {
  /** The log file. */
  readonly segment: string;
  /** Byte offset of the damage in it. */
  readonly offset: number;
  readonly reason: string;
}

/** What {@link EngineFiles.salvage} did (engines add their own fields). */
export interface SalvageReport {
  /** Log records applied again. */
  readonly replayed: number;
  /** Records not applied: after the damage or after a gap. */
  readonly dropped: number;
  readonly damaged: readonly LogDamageReport[];
  /** Where the damaged logs were moved. */
  readonly movedTo: string;
}

/** A store's files in a directory, for tools (see the module comment). */
export interface EngineFiles {
  /** The engine's name, as `Engine.name`. */
  readonly engine: string;
  /** The file that holds the data (what `keepr restore` accepts as a backup besides a directory). */
  readonly dataFile: string;
  /** An engine over the store in `dir`, not yet open (pass it to `open({ engine })`). */
  engineFor(dir: string): Engine;
  /** Size of the store's data in bytes, or undefined when `dir` holds no store. */
  size(dir: string): Promise<number | undefined>;
  /** Ids of other live processes that have the store in `dir` open, ascending. */
  users(dir: string): Promise<number[]>;
  /** A full structural check of the files without opening the store (undefined when there is none). */
  check(dir: string): Promise<FileCheckReport | undefined>;
  /** One line per problem and a summary line, for people. */
  describeCheck(report: FileCheckReport): string;
  /**
   * Makes the store staged in directory `staged` the store in `dir` (same file system), dropping
   * what belonged only to the old one. Callers make sure no process has `dir` open.
   */
  install(staged: string, dir: string): Promise<void>;
  /** Opens the store in `dir` keeping what comes before damage in its logs, closes it, and says what was lost. */
  salvage(dir: string): Promise<SalvageReport>;
}
