/**
 * Parse + check + inspect a generated ~200 MB model. Target (issue 3): ≥ 200 MB/s and peak
 * RSS ≤ 1.5× the file size. Baseline in the same run: reading the file into memory only.
 * Each measurement runs in a fresh child process so its peak RSS is its own.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleChild, runChild, type Bench, type Measurement } from './harness.js';

const root = join(import.meta.dirname, '..');
const worker = join(root, 'bench', 'out', 'onnx-inspect.worker.mjs');

const child = (mode: 'generate' | 'read' | 'inspect', file: string) => runChild<{ ms: number; maxRssMb: number; detail?: string }>(worker, [mode, file]);

export const onnxInspectBench: Bench = {
  name: 'onnx parse + check + inspect (200 MB model)',
  async run() {
    const dir = join(root, 'bench', 'out');
    mkdirSync(dir, { recursive: true });
    await bundleChild(join(import.meta.dirname, 'onnx-inspect.worker.ts'), worker);
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
