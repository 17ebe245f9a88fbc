/** Integer labels that are class values (skl2onnx), and outputs whose shape does not fit the batch. */
import { describe, expect, it } from 'vitest';
import { formatUserError, InputDataError } from '@modelgate/core';
import { decodeBatch, planOutputs, type ModelOutput } from './outputs.js';

const label = (classValues?: string[]): ModelOutput => ({ name: 'output_label', dtype: 'int64', shape: ['N'], ...(classValues ? { classValues } : {}) });
const probabilities: ModelOutput = { name: 'output_probability', dtype: 'float32', shape: ['N', 2] };
const batch = (labels: bigint[], proba?: number[]) => ({
  output_label: { data: BigInt64Array.from(labels), dims: [labels.length] },
  ...(proba ? { output_probability: { data: Float32Array.from(proba), dims: [labels.length, proba.length / labels.length] } } : {}),
});

/** What a thrown user error prints. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InputDataError) return formatUserError(error);
    throw error;
  }
  return 'no error';
}

describe('integer labels that are class values', () => {
  it("the classes a classifier declares for its label output: 1 and 2 are the classes 1 and 2, not positions", () => {
    const plan = planOutputs([label(['1', '2']), probabilities], {});
    expect(plan).toEqual({ task: 'classification', label: 'output_label', probabilities: 'output_probability', classes: ['1', '2'], labelValues: ['1', '2'] });
    expect(decodeBatch(plan, batch([1n, 2n, 2n], [0.9, 0.1, 0.2, 0.8, 0.4, 0.6]), 3).labels).toEqual(['1', '2', '2']);
  });

  it("a stripped ZipMap's integer keys are the values the label output returns (skl2onnx writes both from classes_)", () => {
    const metadata = { 'modelgate.probability_labels': JSON.stringify({ output_probability: ['1', '2', '3'] }) };
    const plan = planOutputs([label(), { ...probabilities, shape: ['N', 3] }], metadata);
    expect(decodeBatch(plan, batch([1n, 2n, 3n], [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]), 3).labels).toEqual(['1', '2', '3']);
    // String keys say nothing about an integer label output: it stays a position, as for class_labels.
    const strings = planOutputs([label(), probabilities], { 'modelgate.probability_labels': JSON.stringify({ output_probability: ['no', 'yes'] }) });
    expect(decodeBatch(strings, batch([1n], [0.2, 0.8]), 1).labels).toEqual(['yes']);
    // An ArgMax's label is a position, whatever the ZipMap beside it calls the classes.
    const argMaxed = planOutputs([{ ...label(), positions: true }, { ...probabilities, shape: ['N', 3] }], metadata);
    expect(decodeBatch(argMaxed, batch([0n, 2n], [0.8, 0.1, 0.1, 0.1, 0.1, 0.8]), 2).labels).toEqual(['1', '3']);
  });

  it("data.classes names them by position: the model's second class is data.classes' second", () => {
    const plan = planOutputs([label(['3', '5', '9'])], {}, ['low', 'mid', 'high']);
    expect(decodeBatch(plan, batch([5n, 9n, 3n]), 3).labels).toEqual(['mid', 'high', 'low']);
    expect(() => planOutputs([label(['3', '5', '9'])], {}, ['low', 'high'])).toThrow(
      "data.classes in modelgate.yml lists 2 classes (low, high), but the model's label output 'output_label' returns 3 (3, 5, 9)",
    );
  });

  it('a value the model does not declare is an error at the model, not a class of its own', () => {
    const plan = planOutputs([label(['1', '2'])], {});
    expect(failure(() => decodeBatch(plan, batch([1n, 0n]), 2, 'model.onnx'))).toBe("model.onnx: output 'output_label' returned the label 0, which is not one of the classes the model declares (1, 2)");
  });
});

describe('outputs whose shape does not fit the batch', () => {
  it('a label output with fewer values than rows (no phantom class "undefined")', () => {
    const plan = planOutputs([label(), probabilities], { class_labels: 'c0,c1' });
    const outputs = { output_label: { data: BigInt64Array.from([1n]), dims: [1] }, output_probability: { data: Float32Array.from([0.2, 0.8, 0.7, 0.3, 0.6, 0.4]), dims: [3, 2] } };
    expect(failure(() => decodeBatch(plan, outputs, 3, 'model.onnx'))).toBe("model.onnx: output 'output_label' returned shape [1] for a batch of 3 rows; expected [3] (one label per row)");
  });

  it('a value output of several columns, or of one row, and class columns of one row', () => {
    const regression = planOutputs([{ name: 'variable', dtype: 'float32', shape: null }], {});
    expect(failure(() => decodeBatch(regression, { variable: { data: new Float32Array(9), dims: [3, 3] } }, 3, 'reg.onnx'))).toBe(
      "reg.onnx: output 'variable' returned shape [3, 3] for a batch of 3 rows; expected [3] or [3, 1] (one value per row)",
    );
    expect(failure(() => decodeBatch(regression, { variable: { data: new Float32Array(1), dims: [1, 1] } }, 3, 'reg.onnx'))).toContain('returned shape [1, 1] for a batch of 3 rows');
    expect(Array.from(decodeBatch(regression, { variable: { data: Float32Array.from([1, 2, 3]), dims: [3] } }, 3).values!)).toEqual([1, 2, 3]);
    // A squeezing model's batch of one row: a scalar value, [C] class columns.
    expect(Array.from(decodeBatch(regression, { variable: { data: Float32Array.from([4]), dims: [] } }, 1).values!)).toEqual([4]);
    const squeezed = decodeBatch(planOutputs([probabilities], { class_labels: 'c0,c1' }), { output_probability: { data: Float32Array.from([0.3, 0.7]), dims: [2] } }, 1);
    expect([squeezed.labels, squeezed.classCount]).toEqual([['c1'], 2]);
    const classes = planOutputs([probabilities], { class_labels: 'c0,c1' });
    expect(failure(() => decodeBatch(classes, { output_probability: { data: Float32Array.from([0.5, 0.5]), dims: [1, 2] } }, 3, 'clf.onnx'))).toBe(
      "clf.onnx: output 'output_probability' returned shape [1, 2] for a batch of 3 rows; expected [3, C] (a row of class columns per row)",
    );
  });
});
