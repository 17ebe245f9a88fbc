import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@modelgate/core';
import { fakeRuntimeToken, READ, WRITE } from '../../../test/cache/fake-cache.js';
import { openCacheTest, type CacheTestContext } from '../../../test/cache/harness.js';
import {
  baselineKey,
  baselineKeyPrefix,
  cacheKeyPart,
  cacheMode,
  cacheServiceVersion,
  createActionsBaselineStore,
  createActionsToolCache,
  isCacheAvailable,
} from './actions-cache.js';

const levels = (logger: MemoryLogger, level: 'debug' | 'info' | 'warning' | 'error') => logger.lines.filter((line) => line.level === level).map((line) => line.message);

describe('isCacheAvailable', () => {
  it('needs the runtime token and the URL of the protocol in use', () => {
    expect(isCacheAvailable({})).toBe(false);
    expect(isCacheAvailable({ ACTIONS_RESULTS_URL: 'https://results/', ACTIONS_CACHE_SERVICE_V2: 'True' })).toBe(false);
    expect(isCacheAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results/', ACTIONS_CACHE_SERVICE_V2: 'True' })).toBe(true);
    // v1 (no ACTIONS_CACHE_SERVICE_V2) needs ACTIONS_CACHE_URL, as @actions/cache's isFeatureAvailable.
    expect(isCacheAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results/' })).toBe(false);
    expect(isCacheAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'https://artifactcache/' })).toBe(true);
  });

  it('treats any server but github.com, *.ghe.com and *.localhost as GHES, which only has v1', () => {
    const env = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results/', ACTIONS_CACHE_SERVICE_V2: 'True' };
    expect(cacheServiceVersion(env)).toBe('v2');
    expect(cacheServiceVersion({ ...env, GITHUB_SERVER_URL: 'https://acme.ghe.com' })).toBe('v2');
    expect(cacheServiceVersion({ ...env, GITHUB_SERVER_URL: 'https://github.acme.internal' })).toBe('v1');
    expect(isCacheAvailable({ ...env, GITHUB_SERVER_URL: 'https://github.acme.internal' })).toBe(false);
  });

  it('reads ACTIONS_CACHE_MODE like @actions/cache', () => {
    expect(cacheMode({})).toMatchObject({ read: true, write: true });
    expect(cacheMode({ ACTIONS_CACHE_MODE: 'read' })).toMatchObject({ read: true, write: false });
    expect(cacheMode({ ACTIONS_CACHE_MODE: 'Write-Only' })).toMatchObject({ read: false, write: true });
    expect(cacheMode({ ACTIONS_CACHE_MODE: 'none' })).toMatchObject({ read: false, write: false });
    expect(cacheMode({ ACTIONS_CACHE_MODE: 'bogus' })).toMatchObject({ read: true, write: true });
  });
});

describe('cache keys', () => {
  it('keeps simple names and makes the rest comma-free, dash-free and distinct', () => {
    expect(cacheKeyPart('income_v2.1')).toBe('income_v2.1');
    expect(cacheKeyPart('a,b')).toMatch(/^a_b_[0-9a-f]{12}$/);
    expect(cacheKeyPart('a b')).not.toBe(cacheKeyPart('a,b'));
    expect(cacheKeyPart('a-b')).not.toContain('-');
    expect(cacheKeyPart('')).toMatch(/^_[0-9a-f]{12}$/);
    expect(baselineKey('income', 'abc123')).toBe('modelgate-baseline-income-abc123');
  });

  it('never lets one model prefix-match another', () => {
    expect(baselineKey('a-b', 'f00').startsWith(baselineKeyPrefix('a'))).toBe(false);
    expect(baselineKey('a b', 'f00').startsWith(baselineKeyPrefix('a'))).toBe(false);
  });

  it('stays under the 512 characters the service allows', () => {
    const key = baselineKey('x'.repeat(2000), 'f'.repeat(64));
    expect(key.length).toBeLessThanOrEqual(512);
    expect(key).not.toBe(baselineKey(`${'x'.repeat(1999)}y`, 'f'.repeat(64)));
  });
});

describe('with the fake cache service', () => {
  let context: CacheTestContext;
  let logger: MemoryLogger;
  beforeEach(async () => {
    context = await openCacheTest();
    logger = new MemoryLogger(true);
  });
  afterEach(async () => {
    await context.close();
  });

  describe.each(['v2', 'v1'] as const)('tool cache over %s', (service) => {
    beforeEach(() => context.useEnv({ service }));

    it('restores a saved directory byte for byte at the same path', async () => {
      const dir = join(context.root, 'tool-cache', 'modelgate-onnxruntime', '1.30.0', 'linux-x64');
      await mkdir(join(dir, 'node_modules', 'onnxruntime-node', 'bin'), { recursive: true });
      await writeFile(join(dir, '.modelgate-marker.json'), '{"name":"onnxruntime-node"}\n');
      await writeFile(join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'lib.so'), randomish(300_000));
      await writeFile(join(dir, 'node_modules', 'onnxruntime-node', 'empty'), '');
      await chmod(join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'lib.so'), 0o755);
      const before = await snapshot(dir);
      const tools = createActionsToolCache(logger);
      await tools.save('modelgate-onnxruntime-1.30.0-linux-x64', dir);
      await rm(join(context.root, 'tool-cache'), { recursive: true });

      expect(await tools.restore('modelgate-onnxruntime-1.30.0-linux-x64', dir)).toBe(true);
      expect(await snapshot(dir)).toEqual(before);
      expect((await stat(join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'lib.so'))).mode & 0o777).toBe(0o755);
      expect(levels(logger, 'warning')).toEqual([]);
      expect(context.commands('warning')).toEqual([]);
    });

    it('misses for another key or another directory (the entry version hashes the path)', async () => {
      const dir = join(context.root, 'a');
      await mkdir(dir);
      await writeFile(join(dir, 'f'), 'x');
      const tools = createActionsToolCache(logger);
      await tools.save('tool-key', dir);
      expect(await tools.restore('other-key', dir)).toBe(false);
      expect(await tools.restore('tool-key', join(context.root, 'b'))).toBe(false);
      expect(levels(logger, 'warning')).toEqual([]);
    });
  });

  it('never throws: a key @actions/cache rejects is a warning', async () => {
    const tools = createActionsToolCache(logger);
    expect(await tools.restore('bad,key', context.root)).toBe(false);
    await expect(tools.save('bad,key', context.root)).resolves.toBeUndefined();
    expect(levels(logger, 'warning')).toEqual([expect.stringContaining('cannot contain commas'), expect.stringContaining('cannot contain commas')]);
  });

  it('a failed tool upload is an info line here; @actions/cache warns with the reason', async () => {
    context.fake.addFault({ operation: 'blob:upload', kind: { type: 'status', status: 403 } });
    const dir = join(context.root, 'tool');
    await mkdir(dir);
    await writeFile(join(dir, 'f'), 'x');
    await createActionsToolCache(logger).save('tool-key', dir);
    expect(levels(logger, 'info')).toEqual([expect.stringContaining('was not saved to the Actions cache as tool-key')]);
    expect(context.commands('warning').some((line) => line.startsWith('Failed to save'))).toBe(true);
  });

  describe('baseline store', () => {
    const metrics = (f1: number) => JSON.stringify({ metrics: { f1 } });

    it('saves on the default branch and restores the newest entry by prefix', async () => {
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      expect(await store.save('income', 'sha1', metrics(0.8))).toBe(true);
      expect(await store.save('income', 'sha2', metrics(0.9))).toBe(true);
      expect(await store.save('income-v2', 'sha3', metrics(0.1))).toBe(true);

      // A pull request: its own scope first, then the base branch's (read-only).
      context.useEnv({ token: fakeRuntimeToken([{ scope: 'refs/pull/7/merge', permission: READ | WRITE }, { scope: 'refs/heads/main', permission: READ }]) });
      expect(await store.restore('income')).toEqual({ text: metrics(0.9), key: 'modelgate-baseline-income-sha2' });
      expect(await store.restore('income', 'sha1')).toEqual({ text: metrics(0.8), key: 'modelgate-baseline-income-sha1' });
      expect(await store.restore('income', 'unknown-sha')).toEqual({ text: metrics(0.9), key: 'modelgate-baseline-income-sha2' });
      expect(levels(logger, 'warning')).toEqual([]);
      const lookups = context.fake.requests.filter((request) => request.operation === 'GetCacheEntryDownloadURL').map((request) => request.body);
      expect(lookups[0]).toMatchObject({ key: 'modelgate-baseline-income-', restore_keys: ['modelgate-baseline-income-'] });
    });

    it('does not see what another branch saved', async () => {
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      context.useEnv({ token: fakeRuntimeToken([{ scope: 'refs/heads/feature', permission: READ | WRITE }, { scope: 'refs/heads/main', permission: READ }]) });
      expect(await store.save('income', 'sha9', metrics(0.5))).toBe(true);
      context.useEnv({ token: fakeRuntimeToken([{ scope: 'refs/pull/8/merge', permission: READ | WRITE }, { scope: 'refs/heads/main', permission: READ }]) });
      expect(await store.restore('income')).toBeUndefined();
    });

    it('a miss returns undefined without a warning (the caller words it)', async () => {
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      expect(await store.restore('income')).toBeUndefined();
      expect(levels(logger, 'warning')).toEqual([]);
      expect(levels(logger, 'debug')).toEqual([expect.stringContaining('no Actions cache entry matches modelgate-baseline-income-*')]);
    });

    it('saving a commit twice (a re-run) is info, not a warning', async () => {
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      expect(await store.save('income', 'sha1', metrics(0.8))).toBe(true);
      expect(await store.save('income', 'sha1', metrics(0.8))).toBe(true);
      expect(levels(logger, 'warning')).toEqual([]);
      expect(levels(logger, 'info')).toEqual([expect.stringContaining('already holds baseline metrics')]);
      expect(context.commands('warning')).toEqual([]);
      expect(context.stdout.some((line) => line.includes('another job may be creating this cache'))).toBe(true);
    });

    it.each([
      ['a failed reservation', { operation: 'CreateCacheEntry', kind: { type: 'status', status: 400 } }],
      ['a failed upload', { operation: 'blob:upload', kind: { type: 'status', status: 403 } }],
      ['a failed finalize', { operation: 'FinalizeCacheEntryUpload', kind: { type: 'not-ok', message: 'storage account unavailable' } }],
      ['a dropped connection', { operation: 'FinalizeCacheEntryUpload', kind: { type: 'drop-connection' } }],
    ] as const)('%s on save is a warning and false, never a throw', async (_what, fault) => {
      context.fake.addFault(fault);
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      expect(await store.save('income', 'sha1', metrics(0.8))).toBe(false);
      expect(levels(logger, 'warning')).toEqual([expect.stringContaining("baseline metrics for 'income' were not saved")]);
      expect(await store.restore('income')).toBeUndefined();
    });

    it('checks a v1 save, since @actions/cache returns the reserved id even when the commit failed', async () => {
      context.useEnv({ service: 'v1' });
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      context.fake.addFault({ operation: 'v1:commitCache', kind: { type: 'status', status: 400 } });
      expect(await store.save('income', 'sha1', metrics(0.8))).toBe(false);
      expect(levels(logger, 'warning')).toEqual([expect.stringContaining('were not saved')]);
      expect(await store.save('income', 'sha2', metrics(0.9))).toBe(true);
      expect(await store.restore('income')).toEqual({ text: metrics(0.9), key: 'modelgate-baseline-income-sha2' });
    });

    it.each([
      ['a failed download', { operation: 'blob:download', kind: { type: 'status', status: 500 } }],
      ['a truncated download', { operation: 'blob:download', kind: { type: 'truncate' } }],
      ['a dropped lookup', { operation: 'GetCacheEntryDownloadURL', kind: { type: 'drop-connection' } }],
    ] as const)('%s on restore is undefined; @actions/cache warns', async (_what, fault) => {
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      expect(await store.save('income', 'sha1', metrics(0.8))).toBe(true);
      context.fake.addFault(fault);
      expect(await store.restore('income')).toBeUndefined();
      expect(context.commands('warning')).toEqual([expect.stringContaining('Failed to restore')]);
      expect(await store.restore('income')).toEqual({ text: metrics(0.8), key: 'modelgate-baseline-income-sha1' });
    });

    it('a token without cache read access is a miss; @actions/cache warns', async () => {
      context.useEnv({ token: fakeRuntimeToken([]) });
      expect(await createActionsBaselineStore(logger, join(context.root, 'temp')).restore('income')).toBeUndefined();
      expect(context.commands('warning')).toEqual([expect.stringContaining('cache read denied')]);
    });

    it('does nothing without the cache service or when the cache mode forbids it', async () => {
      const store = createActionsBaselineStore(logger, join(context.root, 'temp'));
      process.env['ACTIONS_CACHE_MODE'] = 'read';
      expect(await store.save('income', 'sha1', metrics(0.8))).toBe(false);
      expect(levels(logger, 'info')).toEqual([expect.stringContaining("cache mode 'read' does not allow cache saves")]);
      delete process.env['ACTIONS_RUNTIME_TOKEN'];
      expect(await store.restore('income')).toBeUndefined();
      expect(context.fake.requests).toEqual([]);
      expect(levels(logger, 'warning')).toEqual([]);
    });

    it('leaves no staging files behind', async () => {
      const temp = join(context.root, 'temp');
      const store = createActionsBaselineStore(logger, temp);
      await store.save('income', 'sha1', metrics(0.8));
      await store.restore('income');
      expect(await readdir(join(temp, 'modelgate-baseline'))).toEqual([]);
    });
  });
});

/** Relative path → sha256 (files) or 'dir', for comparing trees. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        out[relative(root, path)] = 'dir';
        await walk(path);
      } else {
        out[relative(root, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
      }
    }
  };
  await walk(root);
  return out;
}

/** Poorly compressible bytes, so the archive is not trivially small. */
function randomish(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  let state = 12345;
  for (let index = 0; index < size; index++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    buffer[index] = state >> 16;
  }
  return buffer;
}
