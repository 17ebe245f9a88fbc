/**
 * Large inputs that must stay linear, each against a baseline of the same size in the same run:
 * metrics on 1M binary rows with probabilities (baseline: sorting the 1M scores, which ROC-AUC
 * and AP need), the ONNX checker on a 1M-node chain (baseline: a Map from each output to its
 * node), and one 10 MB CSV row read in 64 KiB reads (baseline: reading the file whole).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openTable } from '@modelgate/data';
import { classificationMetrics } from '@modelgate/metrics';
import { checkModel, createModel, DataType, type ModelProto, type NodeProto } from '@modelgate/onnx';
import { binaryRows } from '../packages/metrics/src/testing.js';
import { measure, type Bench } from './harness.js';

const out = join(import.meta.dirname, 'out');

function chain(count: number): ModelProto {
  const value = (name: string) => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 2 }] } } } });
  const node: NodeProto[] = new Array(count);
  for (let i = 0; i < count; i += 1) node[i] = { op_type: 'Relu', input: [i === 0 ? 'x' : `v${i - 1}`], output: [i === count - 1 ? 'y' : `v${i}`], attribute: [] } as unknown as NodeProto;
  return createModel({ ir_version: 8, opset_import: [{ domain: '', version: 13 }], graph: { name: 'g', node, initializer: [], input: [value('x')], output: [value('y')] } } as unknown as Partial<ModelProto>);
}

export const scaleBench: Bench = {
  name: 'large inputs stay linear (metrics, checker, long CSV row)',
  async run() {
    mkdirSync(out, { recursive: true });
    const rows = binaryRows(1_000_000);
    const model = chain(1_000_000);
    const longRow = join(out, 'long-row.csv');
    writeFileSync(longRow, `a,b\n1,${'x'.repeat(10 << 20)}`);
    return [
      await measure('sort 1M float32 scores (baseline)', 5, () => void rows.proba.slice().sort()),
      { ...(await measure('metrics, 1M binary rows with probabilities', 5, () => void classificationMetrics({ labels: ['0', '1'], ...rows }))), baseline: 'sort 1M float32 scores (baseline)' },
      await measure('Map of 1M node outputs (baseline)', 3, () => void new Map(model.graph!.node.map((n, i) => [n.output[0], i]))),
      { ...(await measure('checkModel, 1M-node chain', 3, () => void checkModel(model))), baseline: 'Map of 1M node outputs (baseline)' },
      await measure('readFile of a 10 MB one-row CSV (baseline)', 5, async () => void (await readFile(longRow))),
      {
        ...(await measure('CSV reader, 10 MB row in 64 KiB reads', 5, async () => {
          for await (const batch of (await openTable(longRow, { chunkSize: 64 << 10 })).batches()) void batch;
        })),
        baseline: 'readFile of a 10 MB one-row CSV (baseline)',
      },
    ];
  },
};
