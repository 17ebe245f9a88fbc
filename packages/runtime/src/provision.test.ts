import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, MemoryLogger, formatUserError, isUserError } from '@modelgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MARKER_FILE } from './install.js';
import { ortCacheKey, ORT_VERSION, provisionOnnxRuntime, tarballUrl, type ProvisionOptions } from './provision.js';
import { createSession } from './session.js';
import { fakeCommonTarball, fakeNodeTarball, sha512Integrity, startRegistry, type TestRegistry } from './test-tarballs.js';
import { RuntimeUnavailableError, type ToolCache } from './types.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const platform = process.platform;
const arch = process.arch;
const nodeTgz = fakeNodeTarball();
const commonTgz = fakeCommonTarball();
const integrity = { 'onnxruntime-node': sha512Integrity(nodeTgz), 'onnxruntime-common': sha512Integrity(commonTgz) };
const nodePath = new URL(tarballUrl('http://x', 'onnxruntime-node', ORT_VERSION)).pathname;
const commonPath = new URL(tarballUrl('http://x', 'onnxruntime-common', '1.30.0')).pathname;

let registry: TestRegistry;
let work: string;
beforeAll(async () => {
  registry = await startRegistry({ [nodePath]: nodeTgz, [commonPath]: commonTgz });
  work = mkdtempSync(join(tmpdir(), 'modelgate-runtime-'));
});
afterAll(async () => {
  await registry.close();
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => {
  registry.requests.length = 0;
});

let counter = 0;
function options(overrides: Partial<ProvisionOptions> = {}): ProvisionOptions & { logger: MemoryLogger } {
  counter += 1;
  return {
    cacheDir: join(work, `cache-${counter}`, ORT_VERSION, `${platform}-${arch}`),
    searchFrom: [],
    registry: registry.url,
    integrity,
    retryDelayMs: 1,
    logger: new MemoryLogger(),
    ...overrides,
  } as ProvisionOptions & { logger: MemoryLogger };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

const noNetwork: typeof fetch = async () => {
  throw new Error('no network in this test');
};

describe('provisionOnnxRuntime: download', () => {
  it('downloads, verifies and unpacks only what the host needs, without install scripts', async () => {
    const opts = options();
    const result = await provisionOnnxRuntime(opts);
    expect(result.source).toBe('download');
    expect(result.dir).toBe(join(opts.cacheDir, 'node_modules', 'onnxruntime-node'));
    expect((result.ort as unknown as { commonIsFake: boolean }).commonIsFake).toBe(true); // onnxruntime-common resolved beside it
    expect(registry.requests.sort()).toEqual([commonPath, nodePath].sort());
    expect(filesUnder(opts.cacheDir)).toEqual(
      [
        MARKER_FILE,
        'node_modules/onnxruntime-common/dist/cjs/index.js',
        'node_modules/onnxruntime-common/dist/cjs/package.json',
        'node_modules/onnxruntime-common/dist/esm/index.js',
        'node_modules/onnxruntime-common/package.json',
        `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/libonnxruntime.so.1`,
        `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/onnxruntime_binding.node`,
        `node_modules/onnxruntime-node/dist/${'deep/'.repeat(20)}long-name.js`,
        'node_modules/onnxruntime-node/dist/index.js',
        'node_modules/onnxruntime-node/package.json',
      ].sort(),
    );
    // Nothing but the cache dir itself beside it (no staging or download leftovers).
    expect(readdirSync(dirname(opts.cacheDir))).toEqual([`${platform}-${arch}`]);
    const marker = JSON.parse(readFileSync(join(opts.cacheDir, MARKER_FILE), 'utf8'));
    expect(marker).toMatchObject({ name: 'onnxruntime-node', version: ORT_VERSION, platform, arch, files: 9 });
    expect(opts.logger.lines.filter((line) => line.level === 'warning')).toEqual([]);
  });

  it('unpacks the binaries of the requested platform only', async () => {
    const opts = options({ platform: 'win32', arch: 'arm64', fetch: globalThis.fetch });
    await expect(provisionOnnxRuntime(opts)).resolves.toMatchObject({ source: 'download' });
    const binaries = filesUnder(join(opts.cacheDir, 'node_modules/onnxruntime-node/bin'));
    expect(binaries).toEqual(['napi-v6/win32/arm64/libonnxruntime.so.1', 'napi-v6/win32/arm64/onnxruntime_binding.node']);
  });

  it('refuses an unsupported platform before downloading anything', async () => {
    const opts = options({ platform: 'darwin', arch: 'x64' });
    const error = await provisionOnnxRuntime(opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as Error).message).toMatch(/no prebuilt binaries for darwin-x64 \(it ships darwin-arm64, linux-arm64, linux-x64, win32-arm64, win32-x64\)/);
    expect(registry.requests).toEqual([]);
  });

  it('refuses a tarball whose integrity does not match, leaving nothing behind', async () => {
    const wrong = sha512Integrity(Buffer.from('something else'));
    const opts = options({ integrity: { ...integrity, 'onnxruntime-node': wrong } });
    const error = await provisionOnnxRuntime(opts).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    const message = formatUserError(error as RuntimeUnavailableError);
    expect(message).not.toContain('\n');
    expect(message).toContain(`expected ${wrong}, got ${integrity['onnxruntime-node']}`);
    expect(message).toContain('ort-path');
    expect(existsSync(dirname(opts.cacheDir)) ? readdirSync(dirname(opts.cacheDir)) : []).toEqual([]);
  });

  it('refuses a truncated tarball (even with a matching hash)', async () => {
    const truncated = nodeTgz.subarray(0, Math.floor(nodeTgz.length / 2));
    const path = '/truncated/onnxruntime-node/-/onnxruntime-node-1.30.0.tgz';
    const local = await startRegistry({ [path]: truncated, '/truncated/onnxruntime-common/-/onnxruntime-common-1.30.0.tgz': commonTgz });
    try {
      const opts = options({ registry: `${local.url}/truncated`, integrity: { ...integrity, 'onnxruntime-node': sha512Integrity(truncated) } });
      await expect(provisionOnnxRuntime(opts)).rejects.toThrow(/onnxruntime-node-1\.30\.0\.tgz is not a valid package tarball: (unexpected end of file|truncated archive)/);
      expect(existsSync(opts.cacheDir)).toBe(false);
    } finally {
      await local.close();
    }
  });

  it('retries a connection cut short, then reports it with the offline hint', async () => {
    const path = '/cut/onnxruntime-node/-/onnxruntime-node-1.30.0.tgz';
    const local = await startRegistry({
      [path]: (res) => {
        res.writeHead(200, { 'content-length': String(nodeTgz.length) });
        res.write(nodeTgz.subarray(0, 1000));
        res.destroy();
      },
      '/cut/onnxruntime-common/-/onnxruntime-common-1.30.0.tgz': commonTgz,
    });
    try {
      const opts = options({ registry: `${local.url}/cut` });
      const error = (await provisionOnnxRuntime(opts).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(RuntimeUnavailableError);
      expect(error.message).toMatch(/^cannot download .*onnxruntime-node-1\.30\.0\.tgz: .*Without access to the npm registry/);
      expect(local.requests.filter((r) => r === path)).toHaveLength(3);
      expect(opts.logger.lines.filter((l) => l.level === 'warning')).toHaveLength(2);
    } finally {
      await local.close();
    }
  });

  it('reports a missing tarball (404) at once', async () => {
    const opts = options({ registry: `${registry.url}/nothing-here` });
    await expect(provisionOnnxRuntime(opts)).rejects.toThrow(/HTTP 404/);
    expect(registry.requests).toHaveLength(2);
  });
});

describe('provisionOnnxRuntime: cache', () => {
  it('uses a populated cacheDir on the second call without network', async () => {
    const opts = options();
    await provisionOnnxRuntime(opts);
    const again = await provisionOnnxRuntime({ ...opts, fetch: noNetwork, logger: new MemoryLogger() });
    expect(again.source).toBe('cache');
    expect(again.dir).toBe(join(opts.cacheDir, 'node_modules', 'onnxruntime-node'));
  });

  it('discards an incomplete cacheDir (no marker) and downloads again', async () => {
    const opts = options();
    mkdirSync(join(opts.cacheDir, 'node_modules', 'onnxruntime-node'), { recursive: true });
    writeFileSync(join(opts.cacheDir, 'node_modules', 'onnxruntime-node', 'package.json'), '{"name":"onnxruntime-node"}');
    const result = await provisionOnnxRuntime(opts);
    expect(result.source).toBe('download');
    expect(opts.logger.lines.find((l) => l.level === 'warning')?.message).toMatch(/incomplete/);
  });

  it('restores from the tool cache, then saves nothing', async () => {
    const seeded = options();
    await provisionOnnxRuntime(seeded);
    const calls: string[] = [];
    const toolCache: ToolCache = {
      async restore(key, dir) {
        calls.push(`restore ${key}`);
        cpSync(seeded.cacheDir, dir, { recursive: true });
        return true;
      },
      async save(key) {
        calls.push(`save ${key}`);
      },
    };
    const opts = options({ toolCache, fetch: noNetwork });
    const result = await provisionOnnxRuntime(opts);
    expect(result.source).toBe('cache');
    expect(calls).toEqual([`restore ${ortCacheKey(platform, arch)}`]);
    expect(calls[0]).toBe(`restore modelgate-onnxruntime-1.30.0-${platform}-${arch}`);
  });

  it('on a tool-cache miss downloads and saves; a failed save or restore is only a warning', async () => {
    const saved: string[] = [];
    const toolCache: ToolCache = {
      restore: async () => {
        throw new Error('cache service unavailable');
      },
      save: async (_key, dir) => {
        saved.push(dir);
        throw new Error('Unable to reserve cache\nwith key');
      },
    };
    const opts = options({ toolCache });
    const result = await provisionOnnxRuntime(opts);
    expect(result.source).toBe('download');
    expect(saved).toEqual([opts.cacheDir]);
    const warnings = opts.logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(warnings).toEqual([
      expect.stringMatching(/^restoring onnxruntime-node from the cache \(modelgate-onnxruntime-1\.30\.0-.*\) failed: cache service unavailable; downloading it instead$/),
      expect.stringMatching(/^saving onnxruntime-node to the cache .* failed: Unable to reserve cache with key; the next run downloads it again$/),
    ]);
  });
});

describe('provisionOnnxRuntime: ort-path', () => {
  async function configurationError(ortPath: string): Promise<ConfigurationError> {
    const error = await provisionOnnxRuntime(options({ ortPath, fetch: noNetwork })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(formatUserError(error as ConfigurationError)).not.toContain('\n');
    return error as ConfigurationError;
  }

  it('refuses a missing directory, garbage, and a package that does not load — in one line', async () => {
    expect((await configurationError(join(work, 'nope'))).message).toMatch(/^ort-path '.*nope' does not exist$/);
    const garbage = join(work, 'garbage');
    mkdirSync(garbage, { recursive: true });
    writeFileSync(join(garbage, 'package.json'), 'not json {');
    writeFileSync(join(garbage, 'random.bin'), Buffer.alloc(100, 1));
    expect((await configurationError(garbage)).message).toMatch(/holds no onnxruntime-node package/);
    const broken = join(work, 'broken', 'node_modules', 'onnxruntime-node');
    mkdirSync(join(broken, 'dist'), { recursive: true });
    writeFileSync(join(broken, 'package.json'), '{"name":"onnxruntime-node","version":"1.30.0","main":"dist/index.js"}');
    writeFileSync(join(broken, 'dist/index.js'), "throw new Error('line one\\nline two');");
    expect((await configurationError(join(work, 'broken'))).message).toMatch(/^ort-path '.*broken': onnxruntime-node cannot be used: loading .* failed: line one line two$/);
    const empty = join(work, 'empty', 'node_modules', 'onnxruntime-node');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'package.json'), '{"name":"onnxruntime-node","version":"1.30.0","main":"index.js"}');
    writeFileSync(join(empty, 'index.js'), 'exports.x = 1;');
    expect((await configurationError(empty)).message).toMatch(/does not look like onnxruntime-node \(no InferenceSession\.create, Tensor, env\)/);
  });

  it('uses a provisioned directory as-is', async () => {
    const seeded = options();
    await provisionOnnxRuntime(seeded);
    const result = await provisionOnnxRuntime(options({ ortPath: seeded.cacheDir, fetch: noNetwork }));
    expect(result).toMatchObject({ source: 'ort-path', dir: join(seeded.cacheDir, 'node_modules', 'onnxruntime-node'), version: ORT_VERSION });
  });
});

describe('provisionOnnxRuntime: installed', () => {
  it('skips search dirs without it and loads the real onnxruntime-node from this repo; a tiny model runs', async () => {
    const opts = options({ searchFrom: [join(work, 'missing'), tmpdir(), repoRoot], fetch: noNetwork });
    const result = await provisionOnnxRuntime(opts);
    expect(result.source).toBe('installed');
    expect(result.dir).toBe(join(repoRoot, 'node_modules', 'onnxruntime-node'));
    expect(result.version).toBe(ORT_VERSION);
    expect(existsSync(opts.cacheDir)).toBe(false);
    const { ort } = result;
    const session = await createSession(ort, readFileSync(join(repoRoot, 'fixtures/onnx/income_mlp.onnx')), { name: 'income_mlp.onnx', intraOpThreads: 1 });
    const input = new ort.Tensor('float32', Float32Array.from([39, 2174, 0, 40, 50, 0, 0, 13]), [2, 4]);
    const outputs = await session.run({ input }, ['probabilities']);
    expect(Object.keys(outputs)).toEqual(['probabilities']);
    expect(outputs.probabilities!.dims).toEqual([2, 2]);
    const probabilities = outputs.probabilities!.data as Float32Array;
    expect(probabilities[0]! + probabilities[1]!).toBeCloseTo(1, 5);
    await session.release();
  });
});
