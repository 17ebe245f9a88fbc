import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a step must undo when the process is interrupted while the step is under way (Ctrl-C, a
 * cancelled workflow run, `kill`): the temp file beside a target being written, a temp directory,
 * a converter still running. The CLI and action entries run these on SIGINT and SIGTERM, then
 * let the signal end the process (see exitOnInterrupt in packages/cli). Each is synchronous: the
 * process is going down, there is no event loop to wait on.
 */
const pendingUndos = new Set<() => void>();

/** Registers `undo` until the returned function is called (when the step finished or cleaned up itself). */
export function undoOnInterrupt(undo: () => void): () => void {
  pendingUndos.add(undo);
  return () => void pendingUndos.delete(undo);
}

/** Runs every registered undo once, best effort: one that fails does not keep the others from running. */
export function runInterruptUndos(): void {
  for (const undo of [...pendingUndos]) {
    pendingUndos.delete(undo);
    try {
      undo();
    } catch {
      // Nothing to report to: the process ends right after.
    }
  }
}

/** Removes `path` (a file or a whole directory) on interrupt. */
export function removeOnInterrupt(path: string): () => void {
  return undoOnInterrupt(() => rmSync(path, { recursive: true, force: true }));
}

/** Runs `use` with a fresh directory under `parent`, removed afterwards, also when the run fails or is interrupted. */
export async function withTempDir<T>(parent: string, prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(parent, prefix));
  const forget = removeOnInterrupt(dir);
  try {
    return await use(dir);
  } finally {
    forget();
    await rm(dir, { recursive: true, force: true });
  }
}
