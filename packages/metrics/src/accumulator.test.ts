/**
 * Property tests (seeded, no fast-check): a ClassificationAccumulator fed any split of the rows,
 * in any batch sizes, merged in any order, gives exactly (bit for bit) the single-pass result;
 * so does any permutation of the rows.
 */
import { ConfigurationError, InputDataError } from '@modelgate/core';
import { describe, expect, it } from 'vitest';
import { ClassificationAccumulator, type ClassificationPartial } from './accumulator.js';
import { classificationMetrics } from './classification.js';
import { selectClassification } from './slices.js';
import type { ClassificationInput } from './types.js';
import { prng } from './testing.js';

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function randomInput(rng: () => number): ClassificationInput {
  const C = pick(rng, [2, 2, 3, 4, 5]);
  const n = pick(rng, [1, 2, 7, 50, 300, 800]);
  const classesInTrue = pick(rng, [C, C, 1, Math.max(1, C - 1)]); // single-class and absent-class slices
  const grid = pick(rng, [0, 0, 0.1, 0.25, 1 / 3]); // ties
  const dtype = pick(rng, ['none', 'float32', 'float64'] as const);
  const labels = C === 2 ? ['0', '1'] : Array.from({ length: C }, (_, c) => `class_${c}`);
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const proba = dtype === 'float32' ? new Float32Array(n * C) : new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const t = Math.floor(rng() * classesInTrue);
    yTrue[i] = t;
    let sum = 0;
    const row = Array.from({ length: C }, (_, c) => {
      const v = rng() + (c === t ? rng() : 0);
      sum += v;
      return v;
    });
    let best = 0;
    row.forEach((v, c) => {
      let p = v / sum;
      if (grid > 0) p = Math.round(p / grid) * grid;
      if (rng() < 0.02) p = pick(rng, [0, 1, -0]);
      proba[i * C + c] = p;
      if (p > proba[i * C + best]!) best = c;
    });
    yPred[i] = rng() < 0.8 ? best : Math.floor(rng() * C);
  }
  const input: ClassificationInput = { labels, yTrue, yPred };
  if (dtype !== 'none') input.proba = proba;
  return input;
}

function rowsRange(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, k) => from + k);
}

function accumulatorOver(input: ClassificationInput, rows: Int32Array, rng: () => number): ClassificationAccumulator {
  const acc = new ClassificationAccumulator({ labels: input.labels });
  const part = selectClassification(input, rows);
  let start = 0;
  while (start < rows.length) {
    const size = Math.min(rows.length - start, 1 + Math.floor(rng() * 120));
    acc.add(selectClassification(part, rowsRange(start, start + size)));
    start += size;
  }
  // half of the shards travel as JSON, as between sharded jobs
  return rng() < 0.5 ? ClassificationAccumulator.fromJSON(JSON.parse(JSON.stringify(acc)) as ClassificationPartial) : acc;
}

describe('ClassificationAccumulator merge', () => {
  it.each(Array.from({ length: 60 }, (_, k) => [k + 1]))('random split #%i (some shards serialised) equals a single pass exactly', (seed) => {
    const rng = prng(seed * 7919);
    const input = randomInput(rng);
    const single = classificationMetrics(input);
    const n = input.yTrue.length;
    const cuts = Array.from({ length: Math.floor(rng() * 6) }, () => Math.floor(rng() * (n + 1))).sort((a, b) => a - b);
    const bounds = [0, ...cuts, n];
    let shards = bounds.slice(1).map((end, k) => accumulatorOver(input, rowsRange(bounds[k]!, end), rng));
    shards.push(new ClassificationAccumulator({ labels: input.labels })); // an empty shard
    while (shards.length > 1) {
      const i = Math.floor(rng() * (shards.length - 1));
      shards = [...shards.slice(0, i), shards[i]!.merge(shards[i + 1]!), ...shards.slice(i + 2)];
    }
    expect(shards[0]!.rows).toBe(n);
    expect(shards[0]!.result()).toEqual(single);
  });

  it.each(Array.from({ length: 20 }, (_, k) => [k + 1]))('row permutation #%i does not change anything', (seed) => {
    const rng = prng(seed * 104729);
    const input = randomInput(rng);
    const order = Int32Array.from({ length: input.yTrue.length }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    expect(classificationMetrics(selectClassification(input, order))).toEqual(classificationMetrics(input));
  });
});

describe('ClassificationAccumulator inputs', () => {
  const labels = ['0', '1'];
  it('rejects what it cannot interpret', () => {
    expect(() => new ClassificationAccumulator({ labels: ['only'] })).toThrow(ConfigurationError);
    expect(() => new ClassificationAccumulator({ labels: ['a', 'a'] })).toThrow(ConfigurationError);
    expect(() => new ClassificationAccumulator({ labels: ['no', 'yes'] })).toThrow(/name the positive class/);
    expect(() => new ClassificationAccumulator({ labels: ['a', 'b', 'c'], positive: 0 })).toThrow(ConfigurationError);
    const acc = new ClassificationAccumulator({ labels });
    expect(() => acc.add({ yTrue: [0, 2], yPred: [0, 1] })).toThrow(InputDataError);
    expect(() => acc.add({ yTrue: [0, 1], yPred: [0] })).toThrow(RangeError);
    expect(() => acc.add({ yTrue: [0], yPred: [0], proba: Float64Array.of(0.5, NaN) })).toThrow(/probabilities row 1/);
    expect(() => acc.add({ yTrue: [0], yPred: [0], proba: Float64Array.of(0.5) })).toThrow(RangeError);
    // rejected batches leave no trace
    expect(acc.rows).toBe(0);
    expect(acc.add({ yTrue: [1], yPred: [1], proba: Float64Array.of(0.2, 0.8) }).result().metrics.log_loss).toBeCloseTo(-Math.log(0.8), 15);
  });

  it('keeps every batch consistent about probabilities', () => {
    const acc = new ClassificationAccumulator({ labels }).add({ yTrue: [0], yPred: [0], proba: Float32Array.of(0.9, 0.1) });
    expect(() => acc.add({ yTrue: [1], yPred: [1] })).toThrow(/float32 probabilities/);
    expect(() => acc.add({ yTrue: [1], yPred: [1], proba: Float64Array.of(0.1, 0.9) })).toThrow(RangeError);
    const other = new ClassificationAccumulator({ labels }).add({ yTrue: [1], yPred: [1] });
    expect(() => acc.merge(other)).toThrow(RangeError);
    expect(() => acc.merge(new ClassificationAccumulator({ labels: ['-1', '1'] }))).toThrow(RangeError);
  });

  it('gives nulls, not errors, without rows', () => {
    const r = new ClassificationAccumulator({ labels: ['a', 'b', 'c'] }).result();
    expect(r.rows).toBe(0);
    expect(r.metrics.accuracy).toBeNull();
    expect(r.metrics.f1_macro).toBeNull();
    expect(r.metrics.distinct_predictions).toBe(0);
    expect(r.per_class.map((p) => p.support)).toEqual([0, 0, 0]);
  });

  it('uses the positive class given, or 1 of {0,1} / {-1,1}', () => {
    const data = { yTrue: [0, 1, 1], yPred: [0, 1, 0] };
    expect(classificationMetrics({ labels: ['0', '1'], ...data }).positive).toBe('1');
    expect(classificationMetrics({ labels: ['1', '-1'], ...data }).positive).toBe('1');
    const r = classificationMetrics({ labels: ['no', 'yes'], positive: 0, ...data });
    expect(r.positive).toBe('no');
    expect(r.metrics.recall).toBe(1); // the one "no" row was predicted "no"
    expect(r.metrics.precision).toBe(0.5);
  });

  it('reports curves only when asked and defined', () => {
    const input = { labels, yTrue: [0, 1, 1, 0], yPred: [0, 1, 1, 1], proba: Float64Array.of(0.8, 0.2, 0.3, 0.7, 0.1, 0.9, 0.4, 0.6) };
    expect(classificationMetrics(input).curves).toMatchObject({ roc: {}, pr: {}, calibration: {} });
    expect(classificationMetrics(input, { curves: false }).curves).toBeUndefined();
    const outOfRange = { ...input, proba: Float64Array.of(-1, -2, 3, 4, -4, 5, 0, 1) };
    const r = classificationMetrics(outOfRange);
    expect(r.metrics.brier).toBeNull();
    expect(r.metrics.ece).toBeNull();
    expect(r.metrics.roc_auc).toBe(1); // scores need not be probabilities
    expect(r.curves?.calibration).toBeUndefined();
  });
});
