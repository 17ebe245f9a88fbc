/**
 * data-validate end to end: read + validate against an inferred schema + profile + drift against
 * a 30k-row reference. Target (issue 5): ≥ 1.5 M rows/s, peak RSS ≤ 256 MB and flat from 100k
 * to 4M rows. Baseline in the same run: the CSV reader alone over the same file (one thread). The
 * validation runs as the action runs it (a second thread reads CSV chunks) and, for comparison, on
 * one thread; and the whole `modelgate validate` command as a user runs it (bundle load, hashing,
 * artifacts and summary included).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleChild, runChild, type Bench, type Measurement } from './harness.js';

const root = join(import.meta.dirname, '..');
const out = join(root, 'bench', 'out');
const worker = join(out, 'validate.worker.mjs');
const data = join(out, 'validate-{rows}.csv');
const reference = join(out, 'validate-reference-30k.csv');

const child = (args: string[]) => runChild<{ ms: number; maxRssMb: number; rows?: number; bytes?: number }>(worker, args, root);

export const validateBench: Bench = {
  name: 'data-validate end to end (schema + profile + drift vs 30k reference)',
  async run() {
    mkdirSync(out, { recursive: true });
    await bundleChild(join(import.meta.dirname, 'validate.worker.ts'), worker);
    if (!existsSync(data.replace('{rows}', '4000000')) || !existsSync(reference) || !existsSync(join(out, 'validate-schema.json'))) child(['generate', data, reference]);
    const results: Measurement[] = [];
    for (const [rows, runs] of [[100_000, 5], [1_000_000, 3], [4_000_000, 1]] as const) {
      const label = `${rows / 1e6 >= 1 ? `${rows / 1e6}M` : `${rows / 1000}k`} rows`;
      for (const mode of ['read', 'run1', 'run', 'cli'] as const) {
        const samples = Array.from({ length: runs }, () => child([mode, data.replace('{rows}', String(rows)), reference])).sort((a, b) => a.ms - b.ms);
        const median = samples[Math.floor(runs / 2)]!;
        results.push({
          name:
            mode === 'read'
              ? `reader only, ${label} (baseline)`
              : mode === 'cli'
                ? `modelgate validate (the CLI in-process: bundle load, hashing, artifacts), ${label}`
                : `validate + profile + drift, ${label}${mode === 'run1' ? ', one thread' : ', two threads'}`,
          medianMs: median.ms,
          minMs: samples[0]!.ms,
          runs,
          ...(mode !== 'read' ? { baseline: `reader only, ${label} (baseline)` } : {}),
          figures: { 'rows/s': rows / (median.ms / 1000), 'MB/s': median.bytes! / 1e6 / (median.ms / 1000), peak_rss_mb: Math.max(...samples.map((s) => s.maxRssMb)) },
        });
      }
    }
    return results;
  },
};
