/**
 * Mergeable classification partials for sharded evaluation: feed batches with `add`, combine
 * shards with `merge`, read metrics with `result`. The merged result equals a single pass over
 * all rows exactly (bit for bit), whatever the split:
 *
 * - confusion matrix and all counts: integer sums (float64, exact to 2^53 rows);
 * - log loss, Brier and the calibration bins' Σ p: exact (Shewchuk) sums, correctly rounded
 *   once at the end;
 * - ROC-AUC / average precision / curves: per binary problem (binary: 1, multiclass one-vs-rest:
 *   C) a `RankingPartial` of distinct scores with positive/negative counts, see ranking.ts
 *   (8 bytes per row and problem while pending, 24 bytes per distinct score once compacted).
 *
 * `classificationMetrics` is this accumulator with one batch.
 */
import { ConfigurationError, InputDataError } from '@modelgate/core';
import { CalibrationBins } from './calibration.js';
import { confusionMetrics } from './confusion.js';
import { defaultPositive } from './labels.js';
import { CLASSIFICATION_METRICS, type ClassificationMetricName } from './names.js';
import { averagePrecision, prCurve, RankingPartial, rocAuc, rocCurve } from './ranking.js';
import { downsampleCurve } from './curves.js';
import { ExactSum } from './sums.js';
import type { ClassificationResult, Curves, MetricValue, Probabilities, ResultOptions } from './types.js';

export interface ClassificationSpec {
  labels: readonly string[];
  /** Binary only: index of the positive class (default: see `defaultPositive`). */
  positive?: number;
}

export interface ClassificationBatch {
  yTrue: Int32Array | readonly number[];
  yPred: Int32Array | readonly number[];
  /** Row-major [rows, labels.length]; every batch of an accumulator has probabilities, or none. */
  proba?: Probabilities;
}

type ProbaKind = 'float32' | 'float64';

/**
 * A serialised accumulator (`toJSON` / `ClassificationAccumulator.fromJSON`), to merge shards
 * evaluated in different processes or jobs. Plain JSON; numbers survive JSON exactly.
 */
export interface ClassificationPartial {
  kind: 'classification-partial';
  version: 1;
  labels: string[];
  positive: number | null;
  rows: number;
  /** Row-major [true, predicted] counts. */
  confusion: number[];
  proba: null | {
    dtype: ProbaKind;
    /** ExactSum partials. */
    log_loss: number[];
    brier: number[];
    min: number;
    max: number;
    rows_sum_to_one: boolean;
    bins: { count: number[]; hits: number[]; sums: number[][] };
    /** Compacted runs per binary problem (binary: 1, multiclass: one per label). */
    rankings: { scores: number[]; pos: number[]; neg: number[] }[];
  };
}

/** log_loss clipping: sklearn 1.2's eps='auto' = np.finfo(y_pred.dtype).eps. */
const EPS: Record<ProbaKind, number> = { float64: 2 ** -52, float32: 2 ** -23 };

class ProbaState {
  logLoss = new ExactSum();
  brier = new ExactSum();
  bins = new CalibrationBins();
  rankings: RankingPartial[];
  min = Infinity;
  max = -Infinity;
  rowsSumToOne = true;

  constructor(
    readonly kind: ProbaKind,
    problems: number,
  ) {
    this.rankings = Array.from({ length: problems }, () => new RankingPartial());
  }

  toJSON(): NonNullable<ClassificationPartial['proba']> {
    return {
      dtype: this.kind,
      log_loss: this.logLoss.parts(),
      brier: this.brier.parts(),
      min: this.min,
      max: this.max,
      rows_sum_to_one: this.rowsSumToOne,
      bins: this.bins.toJSON(),
      rankings: this.rankings.map((r) => {
        const runs = r.runs();
        return { scores: Array.from(runs.scores), pos: Array.from(runs.pos), neg: Array.from(runs.neg) };
      }),
    };
  }

  static fromJSON(json: NonNullable<ClassificationPartial['proba']>): ProbaState {
    const state = new ProbaState(json.dtype, json.rankings.length);
    state.logLoss = ExactSum.of(json.log_loss);
    state.brier = ExactSum.of(json.brier);
    state.min = json.min;
    state.max = json.max;
    state.rowsSumToOne = json.rows_sum_to_one;
    state.bins = CalibrationBins.fromJSON(json.bins);
    state.rankings = json.rankings.map((r) =>
      RankingPartial.fromRuns({ scores: Float64Array.from(r.scores), pos: Float64Array.from(r.pos), neg: Float64Array.from(r.neg) }),
    );
    return state;
  }

  merge(o: ProbaState): void {
    this.logLoss.merge(o.logLoss);
    this.brier.merge(o.brier);
    this.bins.merge(o.bins);
    this.rankings.forEach((r, i) => r.merge(o.rankings[i]!));
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    this.rowsSumToOne &&= o.rowsSumToOne;
  }
}

export class ClassificationAccumulator {
  readonly labels: readonly string[];
  readonly task: 'binary' | 'multiclass';
  /** Binary: index of the positive class. */
  readonly positive: number | undefined;
  private n = 0;
  private readonly confusion: Float64Array;
  /** undefined until the first non-empty batch decides; null = no probabilities. */
  private proba: ProbaState | null | undefined;

  constructor(spec: ClassificationSpec) {
    const C = spec.labels.length;
    if (C < 2) throw new ConfigurationError(`classification needs at least 2 labels, got [${spec.labels.join(', ')}]`);
    if (new Set(spec.labels).size !== C) throw new ConfigurationError(`labels must be distinct: [${spec.labels.join(', ')}]`);
    this.labels = [...spec.labels];
    this.task = C === 2 ? 'binary' : 'multiclass';
    if (this.task === 'binary') {
      const positive = spec.positive ?? defaultPositive(spec.labels);
      if (positive === undefined) {
        throw new ConfigurationError(`binary labels [${spec.labels.join(', ')}]: name the positive class (no default unless the labels are 0/1 or -1/1)`);
      }
      if (!Number.isInteger(positive) || positive < 0 || positive >= C) throw new RangeError(`positive must be 0 or 1, got ${positive}`);
      this.positive = positive;
    } else {
      if (spec.positive !== undefined) throw new ConfigurationError('a positive class applies to binary classification only');
      this.positive = undefined;
    }
    this.confusion = new Float64Array(C * C);
  }

  get rows(): number {
    return this.n;
  }

  add(batch: ClassificationBatch): this {
    const { yTrue, yPred, proba } = batch;
    const C = this.labels.length;
    const rows = yTrue.length;
    if (yPred.length !== rows) throw new RangeError(`yTrue has ${rows} rows but yPred has ${yPred.length}`);
    if (proba && proba.length !== rows * C) {
      throw new RangeError(`proba has ${proba.length} values, expected rows × labels = ${rows} × ${C}`);
    }
    if (rows === 0) return this;
    this.validate(batch);
    const state = this.probaState(proba);
    for (let i = 0; i < rows; i++) {
      const t = yTrue[i]!;
      this.confusion[t * C + yPred[i]!]!++;
      if (state) this.addProba(state, proba!, i, t);
    }
    this.n += rows;
    return this;
  }

  /** Checks a whole batch before any state changes, so a rejected batch leaves no trace. */
  private validate({ yTrue, yPred, proba }: ClassificationBatch): void {
    const C = this.labels.length;
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i]!;
      const p = yPred[i]!;
      if (!isIndex(t, C)) throw new InputDataError(`y_true row ${this.n + i + 1}: ${t} is not a label index in [0, ${C})`);
      if (!isIndex(p, C)) throw new InputDataError(`y_pred row ${this.n + i + 1}: ${p} is not a label index in [0, ${C})`);
    }
    if (!proba) return;
    for (let k = 0; k < proba.length; k++) {
      if (!Number.isFinite(proba[k]!)) {
        const row = Math.floor(k / C);
        throw new InputDataError(`probabilities row ${this.n + row + 1}: ${proba[k]} for label "${this.labels[k - row * C]}"`);
      }
    }
  }

  merge(other: ClassificationAccumulator): this {
    if (other.labels.length !== this.labels.length || other.labels.some((l, i) => l !== this.labels[i]) || other.positive !== this.positive) {
      throw new RangeError('cannot merge accumulators with different labels or positive class');
    }
    if (other.n === 0) return this;
    if (this.n === 0) this.proba = other.proba === null ? null : other.proba && new ProbaState(other.proba.kind, other.proba.rankings.length);
    if ((this.proba === null) !== (other.proba === null) || (this.proba && other.proba && this.proba.kind !== other.proba.kind)) {
      throw new RangeError('cannot merge accumulators with and without (or with float32 and float64) probabilities');
    }
    for (let k = 0; k < this.confusion.length; k++) this.confusion[k]! += other.confusion[k]!;
    if (this.proba && other.proba) this.proba.merge(other.proba);
    this.n += other.n;
    return this;
  }

  toJSON(): ClassificationPartial {
    return {
      kind: 'classification-partial',
      version: 1,
      labels: [...this.labels],
      positive: this.positive ?? null,
      rows: this.n,
      confusion: Array.from(this.confusion),
      proba: this.n > 0 && this.proba ? this.proba.toJSON() : null,
    };
  }

  static fromJSON(json: ClassificationPartial): ClassificationAccumulator {
    if (json.kind !== 'classification-partial' || json.version !== 1) throw new RangeError('not a classification partial (version 1)');
    const acc = new ClassificationAccumulator(json.positive === null ? { labels: json.labels } : { labels: json.labels, positive: json.positive });
    if (json.confusion.length !== acc.confusion.length) throw new RangeError('partial confusion matrix does not match its labels');
    acc.confusion.set(json.confusion);
    acc.n = json.rows;
    if (json.rows > 0) acc.proba = json.proba ? ProbaState.fromJSON(json.proba) : null;
    return acc;
  }

  result(options: ResultOptions = {}): ClassificationResult {
    const C = this.labels.length;
    const { metrics: base, perClass } = confusionMetrics(this.confusion, C, this.positive);
    const metrics = {} as Record<ClassificationMetricName, MetricValue>;
    for (const name of CLASSIFICATION_METRICS) metrics[name] = null;
    Object.assign(metrics, base);
    const state = this.proba;
    let curves: Curves | undefined;
    if (state && this.n > 0) {
      const runs = state.rankings.map((r) => r.runs());
      metrics.log_loss = state.logLoss.value() / this.n;
      const inUnitRange = state.min >= 0 && state.max <= 1;
      if (inUnitRange) {
        metrics.brier = state.brier.value() / this.n;
        metrics.ece = state.bins.ece();
      }
      if (this.task === 'binary') {
        metrics.roc_auc = rocAuc(runs[0]!);
        metrics.pr_auc = averagePrecision(runs[0]!);
        if (options.curves !== false) {
          const max = options.maxCurvePoints ?? 200;
          curves = {};
          const roc = rocCurve(runs[0]!);
          if (roc) {
            const [fpr, tpr] = downsampleCurve(roc.fpr, roc.tpr, max);
            curves.roc = { fpr, tpr };
          }
          const pr = prCurve(runs[0]!);
          if (pr) {
            const [recall, precision] = downsampleCurve(pr.recall, pr.precision, max);
            curves.pr = { recall, precision };
          }
          if (inUnitRange) curves.calibration = state.bins.curve();
        }
      } else {
        const aucs = runs.map(rocAuc);
        metrics.roc_auc = state.rowsSumToOne && aucs.every((a) => a !== null) ? mean(aucs as number[]) : null;
        metrics.pr_auc = mean(runs.map(averagePrecision));
      }
    }
    const result: ClassificationResult = {
      task: this.task,
      rows: this.n,
      metrics,
      per_class: perClass.map((pc, c) => ({ label: this.labels[c]!, ...pc })),
      confusion_matrix: {
        labels: [...this.labels],
        matrix: Array.from({ length: C }, (_, t) => Array.from(this.confusion.subarray(t * C, (t + 1) * C))),
      },
    };
    if (this.positive !== undefined) result.positive = this.labels[this.positive]!;
    if (curves && Object.keys(curves).length > 0) result.curves = curves;
    return result;
  }

  private probaState(proba: Probabilities | undefined): ProbaState | null {
    const kind: ProbaKind | null = proba ? (proba instanceof Float32Array ? 'float32' : 'float64') : null;
    if (this.proba === undefined) {
      this.proba = kind && new ProbaState(kind, this.task === 'binary' ? 1 : this.labels.length);
    } else if ((this.proba?.kind ?? null) !== kind) {
      throw new RangeError(`every batch must have ${this.proba ? `${this.proba.kind} probabilities` : 'no probabilities'}`);
    }
    return this.proba;
  }

  private addProba(state: ProbaState, proba: Probabilities, i: number, t: number): void {
    const C = this.labels.length;
    const o = i * C;
    const eps = EPS[state.kind];
    const f32 = state.kind === 'float32';
    let clippedSum = 0;
    let rowSum = 0;
    let brier = 0;
    let argmax = 0;
    for (let c = 0; c < C; c++) {
      const v = proba[o + c]!;
      clippedSum += v < eps ? eps : v > 1 - eps ? 1 - eps : v;
      rowSum = f32 ? Math.fround(rowSum + v) : rowSum + v;
      const d = v - (c === t ? 1 : 0);
      brier += d * d;
      if (v > proba[o + argmax]!) argmax = c;
    }
    const vt = proba[o + t]!;
    state.logLoss.add(-Math.log((vt < eps ? eps : vt > 1 - eps ? 1 - eps : vt) / clippedSum));
    if (this.task === 'binary') {
      const pos = this.positive!;
      const s = proba[o + pos]!;
      const hit = t === pos;
      state.rankings[0]!.push(s, hit);
      const d = (hit ? 1 : 0) - s;
      state.brier.add(d * d);
      state.bins.add(s, hit);
      if (s < state.min) state.min = s;
      if (s > state.max) state.max = s;
    } else {
      for (let c = 0; c < C; c++) {
        const v = proba[o + c]!;
        state.rankings[c]!.push(v, c === t);
        if (v < state.min) state.min = v;
        if (v > state.max) state.max = v;
      }
      state.brier.add(brier);
      state.bins.add(proba[o + argmax]!, argmax === t);
      // sklearn's multiclass roc_auc requires np.allclose(1, row sums)
      if (!(Math.abs(1 - rowSum) <= 1e-8 + 1e-5 * Math.abs(rowSum))) state.rowsSumToOne = false;
    }
  }
}

function isIndex(v: number, C: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < C;
}

function mean(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
