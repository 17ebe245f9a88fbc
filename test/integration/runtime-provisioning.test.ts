// Real provisioning of onnxruntime-node from registry.npmjs.org (npm run test:integration):
// the pinned 1.30.0 tarballs are downloaded, integrity-checked against the constants in
// packages/runtime, unpacked for this host only, loaded, and a fixture model runs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryLogger } from '@modelgate/core';
import { createSession, DEFAULT_REGISTRY, ORT_COMMON_VERSION, ORT_INTEGRITY, ORT_VERSION, ortCacheDir, provisionOnnxRuntime } from '@modelgate/runtime';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(join(tmpdir(), 'modelgate-ort-integration-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function treeBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

describe('onnxruntime-node provisioning from the npm registry', () => {
  it('pins the integrity the registry publishes for both tarballs', async () => {
    for (const [name, version] of [
      ['onnxruntime-node', ORT_VERSION],
      ['onnxruntime-common', ORT_COMMON_VERSION],
    ] as const) {
      const response = await fetch(`${DEFAULT_REGISTRY}/${name}/${version}`);
      expect(response.ok).toBe(true);
      const manifest = (await response.json()) as { dist: { integrity: string }; dependencies?: Record<string, string> };
      expect(manifest.dist.integrity).toBe(ORT_INTEGRITY[name]);
      if (name === 'onnxruntime-node') expect(manifest.dependencies?.['onnxruntime-common']).toBe(ORT_COMMON_VERSION);
    }
  });

  it('downloads, verifies, unpacks for this host only, loads, and runs a model', async () => {
    const cacheDir = ortCacheDir(join(work, 'tool-cache'));
    const logger = new MemoryLogger();
    const started = performance.now();
    const result = await provisionOnnxRuntime({ cacheDir, searchFrom: [], logger });
    const seconds = (performance.now() - started) / 1000;
    expect(result.source).toBe('download');
    expect(result.version).toBe(ORT_VERSION);
    expect(result.dir).toBe(join(cacheDir, 'node_modules', 'onnxruntime-node'));
    expect(logger.lines.filter((line) => line.level === 'warning')).toEqual([]);

    const platforms = readdirSync(join(result.dir, 'bin', 'napi-v6'));
    expect(platforms).toEqual([process.platform]);
    expect(readdirSync(join(result.dir, 'bin', 'napi-v6', process.platform))).toEqual([process.arch]);
    const size = treeBytes(cacheDir);
    console.log(
      `provisioned onnxruntime-node ${ORT_VERSION} for ${process.platform}-${process.arch} in ${seconds.toFixed(1)} s: ` +
        `${size.files} files, ${(size.bytes / 1e6).toFixed(1)} MB on disk\n  ${logger.lines.map((line) => line.message).join('\n  ')}`,
    );
    expect(size.bytes).toBeLessThan(80e6); // one platform, not the ~290 MB of all of them

    const { ort } = result;
    expect(ort.env.versions).toMatchObject({ node: ORT_VERSION, common: ORT_COMMON_VERSION });
    const session = await createSession(ort, readFileSync(join(repoRoot, 'fixtures/onnx/income_mlp.onnx')), { name: 'income_mlp.onnx', intraOpThreads: 1 });
    expect(session.inputMetadata).toEqual([{ name: 'input', isTensor: true, type: 'float32', shape: ['N', 4] }]);
    const rows = [
      [58, 0, 0, 40],
      [39, 15024, 0, 47],
      [48, 0, 0, 40],
    ];
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]);
    const { probabilities } = await session.run({ input }, ['probabilities']);
    expect(probabilities!.type).toBe('float32');
    expect(probabilities!.dims).toEqual([3, 2]);
    const expected = JSON.parse(readFileSync(join(repoRoot, 'fixtures/onnx/income_mlp.expected.json'), 'utf8')) as {
      outputs: { probabilities: { data: number[][] } };
    };
    const data = probabilities!.data as Float32Array;
    expected.outputs.probabilities.data
      .slice(0, 3)
      .flat()
      .forEach((value, i) => expect(data[i]).toBeCloseTo(value, 5));
    await session.release();

    // The second provisioning uses the populated cache dir and never touches the network.
    const again = await provisionOnnxRuntime({
      cacheDir,
      searchFrom: [],
      logger: new MemoryLogger(),
      fetch: async () => {
        throw new Error('no network expected');
      },
    });
    expect(again.source).toBe('cache');
  });
});
