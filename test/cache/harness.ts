/**
 * Test setup for code that runs the real @actions/cache against the fake service: environment
 * variables set in-process (and restored), a scratch RUNNER_TEMP / GITHUB_WORKSPACE, and the
 * workflow-command lines @actions/core writes to stdout captured (so `::warning::…` from the
 * cache library can be asserted and does not clutter the test output).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeCache, type FakeCache, type FakeCacheOptions } from './fake-cache.js';

export interface CacheTestContext {
  fake: FakeCache;
  /** Scratch directory (RUNNER_TEMP and GITHUB_WORKSPACE live inside it). */
  root: string;
  /** Lines @actions/core (and anything else) wrote to stdout while the context was open. */
  stdout: string[];
  /** Lines of a workflow command, e.g. commands('warning') → the messages of `::warning::` lines. */
  commands(name: string): string[];
  /** Switch the environment to another protocol or token (the library reads process.env per call). */
  useEnv(options?: { service?: 'v1' | 'v2'; token?: string }): void;
  close(): Promise<void>;
}

const TOUCHED = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_CACHE_MODE',
  'GITHUB_SERVER_URL',
  'RUNNER_TEMP',
  'GITHUB_WORKSPACE',
  'RUNNER_DEBUG',
] as const;

export async function openCacheTest(options: FakeCacheOptions & { service?: 'v1' | 'v2'; token?: string } = {}): Promise<CacheTestContext> {
  const saved = Object.fromEntries(TOUCHED.map((name) => [name, process.env[name]]));
  const root = await mkdtemp(join(tmpdir(), 'modelgate-cache-'));
  const fake = await startFakeCache(options);
  const stdout: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout.push(...String(chunk).split(/\r?\n/).filter((line) => line !== ''));
    const callback = rest.find((value) => typeof value === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;

  const setEnv = (vars: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(vars)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  const context: CacheTestContext = {
    fake,
    root,
    stdout,
    commands: (name) => stdout.filter((line) => line.startsWith(`::${name}`)).map((line) => line.slice(line.indexOf('::', 2) + 2)),
    useEnv: (env = {}) => setEnv(fake.env({ service: env.service ?? options.service ?? 'v2', ...(env.token ?? options.token ? { token: env.token ?? options.token } : {}) })),
    async close() {
      process.stdout.write = write;
      setEnv(saved);
      await fake.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  await mkdir(join(root, 'runner-temp'), { recursive: true });
  await mkdir(join(root, 'workspace'), { recursive: true });
  setEnv({ RUNNER_TEMP: join(root, 'runner-temp'), GITHUB_WORKSPACE: join(root, 'workspace'), RUNNER_DEBUG: undefined });
  context.useEnv();
  return context;
}
