/** Temporary directories for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * Makes a fresh directory under `os.tmpdir()` and removes it (recursively) once the current
 * test has finished, after its `afterEach` hooks. Call it inside a test.
 */
export function makeTmpDir(prefix = 'keepr-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('makeTmpDir() must be called while a test runs', { cause: err });
  }
  return dir;
}
