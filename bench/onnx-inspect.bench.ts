/**
 * Parse + check + inspect a generated ~200 MB model. Target (issue 3): ≥ 200 MB/s and peak
 * RSS ≤ 1.5× the file size. Baseline in the same run: reading the file into memory only.
 * Each measurement runs in a fresh child process so its peak RSS is its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { Bench, Measurement } from './harness.js';

const root = join(import.meta.dirname, '..');
const worker = join(root, 'bench', 'out', 'onnx-inspect.worker.mjs');

/** The worker runs as plain Node (pre-bundled), so no TypeScript loader inflates its RSS. */
function bundleWorker(): void {
  buildSync({ entryPoints: [join(import.meta.dirname, 'onnx-inspect.worker.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: worker, logLevel: 'error', banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
}

function child(mode: 'generate' | 'read' | 'inspect', file: string): { ms: number; maxRssMb: number; detail?: string } {
  const out = execFileSync(process.execPath, [worker, mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; maxRssMb: number; detail?: string };
}

export const onnxInspectBench: Bench = {
  name: 'onnx parse + check + inspect (200 MB model)',
  async run() {
    const dir = join(root, 'bench', 'out');
    mkdirSync(dir, { recursive: true });
    bundleWorker();
    const file = join(dir, 'model-200mb.onnx');
    if (!existsSync(file)) child('generate', file);
    const megabytes = statSync(file).size / 1e6;
    const runs = 5;
    const sample = (mode: 'read' | 'inspect') => {
      const results = Array.from({ length: runs }, () => child(mode, file)).sort((a, b) => a.ms - b.ms);
      return { median: results[Math.floor(runs / 2)]!, min: results[0]!, maxRss: Math.max(...results.map((r) => r.maxRssMb)) };
    };
    const read = sample('read');
    const inspect = sample('inspect');
    const baseline: Measurement = { name: 'readFile only (baseline)', medianMs: read.median.ms, minMs: read.min.ms, runs, figures: { 'MB/s': megabytes / (read.median.ms / 1000), peak_rss_mb: read.maxRss } };
    return [
      baseline,
      {
        name: `load + check + inspect ${megabytes.toFixed(0)} MB`,
        medianMs: inspect.median.ms,
        minMs: inspect.min.ms,
        runs,
        baseline: baseline.name,
        figures: { 'MB/s': megabytes / (inspect.median.ms / 1000), peak_rss_mb: inspect.maxRss, rss_over_file: inspect.maxRss / megabytes },
      },
    ];
  },
};
