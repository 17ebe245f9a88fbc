// For the benchmark workers: a `modelgate` command as a user runs it, timed in this process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

type Main = (argv: string[], io: { out(text: string): void; err(text: string): void }) => Promise<number>;

/**
 * Runs `modelgate <argv(outDir)>` from the built bundle (dist/index.js, loaded inside the clock) with
 * silent output, into a fresh directory; `read` takes what it needs from that directory before it
 * is removed. Only Node's own start is left out of `ms`.
 */
export async function timeCliCommand<T>(argv: (outDir: string) => string[], read: (outDir: string) => T): Promise<{ ms: number; code: number; result: T }> {
  const out = mkdtempSync(join(tmpdir(), 'modelgate-bench-cli-'));
  try {
    const silent = { out: () => undefined, err: () => undefined };
    const start = performance.now();
    const { main } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as { main: Main };
    const code = await main(argv(out), silent);
    const ms = performance.now() - start;
    return { ms, code, result: read(out) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
