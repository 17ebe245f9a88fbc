/** `npm run bench [-- name-filter]`: runs the benchmarks, prints markdown tables, writes bench/out/results.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { renderTable, type Bench, type Measurement } from './harness.js';
import { startup } from './startup.bench.js';
import { onnxInspectBench } from './onnx-inspect.bench.js';
import { readersBench } from './readers.bench.js';
import { modelEvalBench } from './model-eval.bench.js';
import { convertBench } from './convert.bench.js';
import { validateBench } from './validate.bench.js';
import { driftBench } from './drift.bench.js';
import { scaleBench } from './scale.bench.js';

const BENCHES: Bench[] = [startup, onnxInspectBench, readersBench, modelEvalBench, convertBench, validateBench, driftBench, scaleBench];

const filter = process.argv[2];
const results: Record<string, Measurement[]> = {};
console.log(`# modelgate benchmarks — node ${process.version}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB\n`);
for (const bench of BENCHES) {
  if (filter && !bench.name.includes(filter)) continue;
  const measurements = await bench.run();
  results[bench.name] = measurements;
  console.log(renderTable(bench.name, measurements));
}
const out = join(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`);
