/** assembleMetrics names classes as the labels are named (trimmed, '1.0' is 1) and refuses what it cannot score in one line. */
import { describe, expect, it } from 'vitest';
import { formatUserError, isUserError } from '@modelgate/core';
import { parseGate } from '@modelgate/metrics';
import type { Scored } from '@modelgate/runtime';
import { assembleMetrics } from './assemble.js';

const logger = { info: () => {}, warning: () => {}, error: () => {}, debug: () => {} } as never;

function scored(truths: string[], predictions: string[]): Scored {
  return {
    plan: { task: 'classification', label: 'label' },
    inputPlan: { kind: 'matrix', columns: [] } as never,
    rows: truths.length,
    lines: Int32Array.from(truths, (_, i) => i + 2),
    truths,
    predictions,
    slices: {},
    latency: {},
  };
}

const assemble = (positive: string, gates: string[], truths = ['>50K', '<=50K', '>50K', '<=50K'], predictions = ['>50K', '<=50K', '<=50K', '<=50K']) =>
  assembleMetrics({
    scored: scored(truths, predictions),
    positive,
    gates: gates.map(parseGate),
    model: { path: 'm.onnx', sha256: '', bytes: 0 },
    data: { path: 'd.csv', sha256: '', bytes: 0, label: 'label' },
    logger,
  }).body;

describe('assembleMetrics', () => {
  it("positive ' >50K' (the raw UCI Adult class, space and all) is the class >50K", () => {
    const body = assemble(' >50K', []);
    expect(body.data.positive).toBe('>50K');
    expect(body.metrics['recall']).toBe(0.5);
    expect(assemble('>50K', []).metrics['recall']).toBe(0.5);
  });

  it("positive and gate classes are numbers as the labels are: '1.0' and '+1' are the class 1", () => {
    const body = assemble('1.0', ['recall[+1] >= 0.5', 'precision[01] >= 1'], ['1', '0', '1', '0'], ['1', '0', '0', '0']);
    expect(body.data.positive).toBe('1');
    expect(body.metrics['recall']).toBe(0.5);
    expect(body.gates!.map((gate) => [gate.expr, gate.actual, gate.passed])).toEqual([
      ['recall[+1] >= 0.5', 0.5, true],
      ['precision[01] >= 1', 1, true],
    ]);
  });

  it('a hold-out of one class and a model that predicts only it and declares no classes: one line naming the file', () => {
    const message = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return isUserError(error) ? formatUserError(error) : String(error);
      }
      return 'no error';
    };
    expect(message(() => assemble('', [], ['0', '0'], ['0', '0']))).toBe(
      "d.csv: every label in 'label' is '0' and the model predicts no other class (it declares none): classification metrics need at least 2 classes; list the model's classes under data.classes in modelgate.yml",
    );
  });

  it('a gate on single-row latency when latency-runs is 0 says so, not "unknown metric"', () => {
    expect(() => assemble('>50K', ['latency.p95_ms <= 5'])).toThrow(
      "gate 'latency.p95_ms <= 5': latency.p95_ms is single-row latency, which is not measured with latency-runs 0; set latency-runs above 0, or gate the batch latency (latency.batch_p50_ms, latency.batch_p95_ms)",
    );
  });
});
