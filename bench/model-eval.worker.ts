// Child process of model-eval.bench.ts: one measurement, printed as a JSON line.
import { peakRssMb } from './peak-rss.js';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { MemoryLogger } from '@modelgate/core';
import { incomeCsvChunks, openTable } from '@modelgate/data';
import { AttributeType, encodeModel, inspectModel, decodeModel } from '@modelgate/onnx';
import { createSession, scoreTable } from '@modelgate/runtime';
import { assembleMetrics } from '../packages/cli/src/eval/assemble.js';
import { graph, info, model as buildModel, node, seededRandom } from '../packages/onnx/src/test-models.js';
import { timeCliCommand } from './cli-in-process.js';

const [mode, modelFile, dataFile] = process.argv.slice(2) as [string, string, string];
const report = (ms: number, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ ms, maxRssMb: peakRssMb(), ...extra }));
const FEATURES = ['age', 'capital_gain', 'capital_loss', 'hours_per_week'];
const BATCH = 8192;

/** 100 random trees of depth 6 over the four numeric income columns, as one TreeEnsembleClassifier. */
function treeEnsemble(trees = 100, depth = 6) {
  const random = seededRandom(7);
  const ranges = [[17, 90], [0, 20000], [0, 2000], [1, 99]] as const;
  const a = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], values: [] as number[], modes: [] as string[], truenodeids: [] as number[], falsenodeids: [] as number[] };
  const leaves = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] };
  for (let t = 0; t < trees; t += 1) {
    const internal = 2 ** depth - 1;
    for (let id = 0; id < 2 ** (depth + 1) - 1; id += 1) {
      a.treeids.push(t);
      a.nodeids.push(id);
      if (id < internal) {
        const feature = Math.floor(random() * 4);
        const [lo, hi] = ranges[feature]!;
        a.featureids.push(feature);
        a.values.push(lo + random() * (hi - lo));
        a.modes.push('BRANCH_LT');
        a.truenodeids.push(2 * id + 1);
        a.falsenodeids.push(2 * id + 2);
      } else {
        a.featureids.push(0);
        a.values.push(0);
        a.modes.push('LEAF');
        a.truenodeids.push(0);
        a.falsenodeids.push(0);
        leaves.treeids.push(t);
        leaves.nodeids.push(id);
        leaves.ids.push(1);
        leaves.weights.push((random() - 0.5) * 0.2);
      }
    }
  }
  const ints = (name: string, values: number[]) => ({ name, type: AttributeType.INTS, ints: values }) as never;
  const floats = (name: string, values: number[]) => ({ name, type: AttributeType.FLOATS, floats: values }) as never;
  const strings = (name: string, values: string[]) => ({ name, type: AttributeType.STRINGS, strings: values.map((v) => new TextEncoder().encode(v)) }) as never;
  const string = (name: string, value: string) => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) }) as never;
  const ensemble = node('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], [
    ints('nodes_treeids', a.treeids), ints('nodes_nodeids', a.nodeids), ints('nodes_featureids', a.featureids), floats('nodes_values', a.values), strings('nodes_modes', a.modes),
    ints('nodes_truenodeids', a.truenodeids), ints('nodes_falsenodeids', a.falsenodeids),
    ints('class_treeids', leaves.treeids), ints('class_nodeids', leaves.nodeids), ints('class_ids', leaves.ids), floats('class_weights', leaves.weights),
    ints('classlabels_int64s', [0, 1]), string('post_transform', 'LOGISTIC'),
  ], 'ai.onnx.ml');
  const m = buildModel(graph({ name: 'trees', node: [ensemble], input: [info('input', 1, ['N', 4])], output: [info('label', 7, ['N']), info('probabilities', 1, ['N', 2])] }), { '': 15, 'ai.onnx.ml': 3 });
  m.metadata_props = [{ key: 'feature_names', value: FEATURES.join(',') }, { key: 'class_labels', value: '<=50K,>50K' }];
  return m;
}

if (mode === 'generate') {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(modelFile, encodeModel(treeEnsemble()));
  for (const rows of [50_000, 100_000, 200_000]) {
    const out = createWriteStream(dataFile.replace('{rows}', String(rows)));
    for (const chunk of incomeCsvChunks({ variant: 'holdout', rows })) if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
    await new Promise<void>((done) => out.end(() => done()));
  }
  report(0);
} else if (mode === 'cli') {
  // As a user runs `modelgate eval` (defaults: 200 row-latency runs): onnxruntime's resolution, the
  // model's load and session, hashing, metrics.json and the summary.
  const { ms, code, result: metrics } = await timeCliCommand(
    (out) => ['eval', '--model', modelFile, '--data', dataFile, '--label', 'income', '--positive', '>50K', '--slice', 'sex', '--out', join(out, 'metrics.json'), '--quiet'],
    (out) => JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { rows: number; metrics: Record<string, number> },
  );
  report(ms, { rows: metrics.rows, accuracy: metrics.metrics['accuracy'], code });
} else {
  const bytes = readFileSync(modelFile);
  const model = decodeModel(bytes, modelFile);
  const figures = inspectModel(model, { path: modelFile, sha256: '', fileBytes: bytes.byteLength, externalBytes: 0 });
  const session = await createSession(ort as never, bytes);
  if (mode === 'raw') {
    // Baseline: the model alone on tensors prepared before the clock starts.
    const [header, ...lines] = readFileSync(dataFile, 'utf8').trim().split('\n');
    const index = FEATURES.map((name) => header!.split(',').indexOf(name));
    const all = new Float32Array(lines.length * 4);
    lines.forEach((line, i) => {
      const cells = line.split(',');
      index.forEach((c, j) => (all[i * 4 + j] = Number(cells[c])));
    });
    const batches: ort.Tensor[] = [];
    for (let start = 0; start < lines.length; start += BATCH) {
      const rows = Math.min(BATCH, lines.length - start);
      batches.push(new ort.Tensor('float32', all.subarray(start * 4, (start + rows) * 4), [rows, 4]));
    }
    await session.run({ input: batches[0]! });
    const start = performance.now();
    for (const batch of batches) await session.run({ input: batch });
    report(performance.now() - start, { rows: lines.length });
  } else {
    const latencyRuns = mode === 'e2e-latency' ? 200 : 0;
    const start = performance.now();
    const table = await openTable(dataFile, { batchRows: BATCH });
    const scored = await scoreTable({ ort: ort as never, session, model: { inputs: figures.inputs, outputs: figures.outputs, metadata: figures.metadata }, data: table, project: (columns) => openTable(dataFile, { batchRows: BATCH, columns }), dataFile, label: 'income', slices: ['sex'], latencyRuns, logger: new MemoryLogger() });
    const assembled = assembleMetrics({ scored, positive: '>50K', gates: [], model: { path: modelFile, sha256: '', bytes: 0 }, data: { path: dataFile, sha256: '', bytes: 0, label: 'income' }, logger: new MemoryLogger() });
    report(performance.now() - start, { rows: scored.rows, accuracy: assembled.body.metrics['accuracy'] });
  }
}
