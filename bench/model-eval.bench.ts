/**
 * model-eval end to end (read CSV → feed → 100-tree ensemble → decode → metrics with a slice)
 * vs the raw model: session.run over the same batches of prebuilt tensors, in the same run.
 * Target (issue 4): ≤ 1.15× raw at 100k rows, linear in rows, peak RSS bounded by batch size.
 * At 100k rows also the whole `modelgate eval` command, as a user runs it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleChild, runChild, type Bench, type Measurement } from './harness.js';

const root = join(import.meta.dirname, '..');
const out = join(root, 'bench', 'out');
const worker = join(out, 'model-eval.worker.mjs');
const modelFile = join(out, 'trees-100.onnx');
const dataFile = join(out, 'holdout-{rows}.csv');

const child = (args: string[]) => runChild<{ ms: number; maxRssMb: number; rows?: number }>(worker, args, root);

export const modelEvalBench: Bench = {
  name: 'model-eval end to end vs raw session.run (100 trees, depth 6)',
  async run() {
    mkdirSync(out, { recursive: true });
    await bundleChild(join(import.meta.dirname, 'model-eval.worker.ts'), worker, ['onnxruntime-node']);
    if (!existsSync(modelFile) || !existsSync(dataFile.replace('{rows}', '200000'))) child(['generate', modelFile, dataFile]);
    const runs = 5;
    const results: Measurement[] = [];
    for (const rows of [50_000, 100_000, 200_000]) {
      const data = dataFile.replace('{rows}', String(rows));
      for (const mode of rows === 100_000 ? ['raw', 'e2e', 'e2e-latency', 'cli'] : ['raw', 'e2e']) {
        const samples = Array.from({ length: runs }, () => child([mode, modelFile, data])).sort((a, b) => a.ms - b.ms);
        const median = samples[Math.floor(runs / 2)]!;
        const label = { raw: 'raw session.run', e2e: 'end to end', 'e2e-latency': 'end to end + 200 row-latency runs', cli: 'modelgate eval (the CLI in-process: bundle, onnxruntime, model load, hashing, metrics.json)' }[mode];
        const name = `${label} ${rows / 1000}k rows`;
        results.push({
          name,
          medianMs: median.ms,
          minMs: samples[0]!.ms,
          runs,
          ...(mode === 'raw' ? {} : { baseline: `raw session.run ${rows / 1000}k rows` }),
          figures: { 'rows/s': rows / (median.ms / 1000), peak_rss_mb: Math.max(...samples.map((s) => s.maxRssMb)) },
        });
      }
    }
    return results;
  },
};
