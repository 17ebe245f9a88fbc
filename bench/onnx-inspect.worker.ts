// Child process of onnx-inspect.bench.ts: one measurement, printed as a JSON line.
import { peakRssMb } from './peak-rss.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { checkModel, inspectModel, loadModel, saveModel, float32Tensor } from '@modelgate/onnx';
import { graph, info, model as buildModel, node } from '../packages/onnx/src/test-models.js';

const [mode, file] = process.argv.slice(2) as [string, string];
const report = (ms: number, detail?: string) =>
  console.log(JSON.stringify({ ms, maxRssMb: peakRssMb(), ...(detail ? { detail } : {}) }));

if (mode === 'generate') {
  // 50 layers of 1000×1000 float32 weights ≈ 200 MB: a MatMul chain onnxruntime could run.
  const layers = 50;
  const size = 1000;
  const nodes = [];
  const initializers = [];
  let previous = 'x';
  for (let i = 0; i < layers; i += 1) {
    const weights = new Float32Array(size * size);
    for (let j = 0; j < weights.length; j += 1) weights[j] = ((j * 2654435761 + i) % 1000) / 1e6;
    initializers.push(float32Tensor(`w${i}`, [size, size], weights));
    nodes.push(node('MatMul', [previous, `w${i}`], [`h${i}`]));
    previous = `h${i}`;
  }
  const model = buildModel(graph({ name: 'bench', node: nodes, initializer: initializers, input: [info('x', 1, ['N', size])], output: [info(previous, 1, ['N', size])] }), { '': 15 });
  const bytes = await saveModel(file, model);
  report(0, `${bytes} bytes`);
} else if (mode === 'read') {
  const start = performance.now();
  const bytes = await readFile(file);
  report(performance.now() - start, `${bytes.byteLength}`);
} else {
  const start = performance.now();
  const { model, bytes } = await loadModel(file);
  const problems = checkModel(model);
  // The action hashes the model for lineage; that is part of the cost.
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const figures = inspectModel(model, { path: file, sha256, fileBytes: bytes.byteLength, externalBytes: 0 });
  report(performance.now() - start, `${figures.parameters} parameters, ${problems.length} problems`);
}
