/**
 * Ranking metrics of one binary problem (score vs. "is positive"): ROC-AUC, average precision
 * and their curves, as sklearn's `_binary_clf_curve` defines them.
 *
 * sklearn sorts scores descending and keeps one point per *distinct* score (ties form a single
 * threshold), with cumulative true/false positive counts. `RankingPartial` holds exactly that
 * information, run-length encoded: the distinct scores in descending order with the number of
 * positive and negative rows at each score. The order of rows within a tie never matters, so the
 * runs of a merged set of shards are identical to those of a single pass, and so is every
 * metric computed from them.
 *
 * Memory: rows added since the last compaction are buffered as float64 scores (8 bytes per row);
 * compaction (on `merge`, `runs()`, or when the buffer reaches 4M rows) sorts them and folds them
 * into the runs, 24 bytes per distinct score. Float32 model outputs have few distinct values, so
 * runs are usually much smaller than the rows.
 */

import { sortFloat64 } from './sort.js';

export interface ScoreRuns {
  /** Distinct scores, descending. */
  scores: Float64Array;
  /** Positive / negative rows with exactly that score (float64 counts, exact to 2^53). */
  pos: Float64Array;
  neg: Float64Array;
}

const COMPACT_AT = 1 << 22;

class Buffer {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  takeSorted(): Float64Array {
    const out = sortFloat64(this.data.slice(0, this.length));
    this.length = 0;
    if (this.data.length > 1 << 16) this.data = new Float64Array(1024);
    return out;
  }
}

export class RankingPartial {
  private runsState: ScoreRuns = { scores: new Float64Array(0), pos: new Float64Array(0), neg: new Float64Array(0) };
  private readonly pending = { pos: new Buffer(), neg: new Buffer() };

  push(score: number, positive: boolean): void {
    (positive ? this.pending.pos : this.pending.neg).push(score);
    if (this.pending.pos.length + this.pending.neg.length >= COMPACT_AT) this.compact();
  }

  merge(other: RankingPartial): void {
    this.runsState = mergeRuns(this.runs(), other.runs());
  }

  static fromRuns(runs: ScoreRuns): RankingPartial {
    const partial = new RankingPartial();
    partial.runsState = runs;
    return partial;
  }

  /** The compacted runs (sorts what is pending). */
  runs(): ScoreRuns {
    this.compact();
    return this.runsState;
  }

  private compact(): void {
    if (this.pending.pos.length + this.pending.neg.length === 0) return;
    const fresh = runsFromSorted(this.pending.pos.takeSorted(), this.pending.neg.takeSorted());
    this.runsState = this.runsState.scores.length === 0 ? fresh : mergeRuns(this.runsState, fresh);
  }
}

/** Runs from ascending-sorted positive and negative scores. -0 and +0 are one score (as in numpy). */
export function runsFromSorted(pos: Float64Array, neg: Float64Array): ScoreRuns {
  const cap = pos.length + neg.length;
  const scores = new Float64Array(cap);
  const pc = new Float64Array(cap);
  const nc = new Float64Array(cap);
  let i = pos.length - 1;
  let j = neg.length - 1;
  let k = 0;
  while (i >= 0 || j >= 0) {
    const s = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    let p = 0;
    let n = 0;
    while (i >= 0 && pos[i] === s) (p++, i--);
    while (j >= 0 && neg[j] === s) (n++, j--);
    scores[k] = s;
    pc[k] = p;
    nc[k] = n;
    k++;
  }
  return { scores: scores.slice(0, k), pos: pc.slice(0, k), neg: nc.slice(0, k) };
}

export function mergeRuns(a: ScoreRuns, b: ScoreRuns): ScoreRuns {
  const cap = a.scores.length + b.scores.length;
  const scores = new Float64Array(cap);
  const pc = new Float64Array(cap);
  const nc = new Float64Array(cap);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.scores.length || j < b.scores.length) {
    const sa = i < a.scores.length ? a.scores[i]! : -Infinity;
    const sb = j < b.scores.length ? b.scores[j]! : -Infinity;
    const takeA = i < a.scores.length && (j >= b.scores.length || sa >= sb);
    const takeB = j < b.scores.length && (i >= a.scores.length || sb >= sa);
    scores[k] = takeA ? sa : sb;
    pc[k] = (takeA ? a.pos[i]! : 0) + (takeB ? b.pos[j]! : 0);
    nc[k] = (takeA ? a.neg[i]! : 0) + (takeB ? b.neg[j]! : 0);
    if (takeA) i++;
    if (takeB) j++;
    k++;
  }
  return { scores: scores.slice(0, k), pos: pc.slice(0, k), neg: nc.slice(0, k) };
}

function totals(runs: ScoreRuns): { P: number; N: number } {
  let P = 0;
  let N = 0;
  for (let i = 0; i < runs.scores.length; i++) {
    P += runs.pos[i]!;
    N += runs.neg[i]!;
  }
  return { P, N };
}

/**
 * ROC-AUC: the trapezoid area under (fps, tps) at the distinct thresholds, computed in integer
 * arithmetic (exact while rows² < 2^53) and divided once by 2·P·N. null when y_true has a
 * single class (sklearn raises).
 */
export function rocAuc(runs: ScoreRuns): number | null {
  const { P, N } = totals(runs);
  if (P === 0 || N === 0) return null;
  let tp = 0;
  let area2 = 0;
  for (let i = 0; i < runs.scores.length; i++) {
    const p = runs.pos[i]!;
    const n = runs.neg[i]!;
    area2 += n * (2 * tp + p);
    tp += p;
  }
  return area2 / (2 * P * N);
}

/**
 * Average precision, sklearn's step-wise sum Σ (R_i − R_{i−1}) · P_i over the distinct
 * thresholds (no interpolation). With no positive rows sklearn sets recall to 1 everywhere,
 * which makes the sum 0: so is ours.
 */
export function averagePrecision(runs: ScoreRuns): number {
  const { P } = totals(runs);
  if (P === 0) return 0;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < runs.scores.length; i++) {
    tp += runs.pos[i]!;
    fp += runs.neg[i]!;
    const recall = tp / P;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** sklearn's `roc_curve` (drop_intermediate=True); undefined when a class is missing. */
export function rocCurve(runs: ScoreRuns): { fpr: Float64Array; tpr: Float64Array } | undefined {
  const { P, N } = totals(runs);
  if (P === 0 || N === 0) return undefined;
  const m = runs.scores.length;
  const fps = new Float64Array(m);
  const tps = new Float64Array(m);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < m; i++) {
    tps[i] = tp += runs.pos[i]!;
    fps[i] = fp += runs.neg[i]!;
  }
  const fpr = new Float64Array(m + 1);
  const tpr = new Float64Array(m + 1);
  let k = 1; // starts at (0, 0)
  for (let i = 0; i < m; i++) {
    // keep corners only: the second difference of fps or tps is non-zero at i
    if (m > 2 && i > 0 && i < m - 1) {
      const d2f = fps[i + 1]! - fps[i]! - (fps[i]! - fps[i - 1]!);
      const d2t = tps[i + 1]! - tps[i]! - (tps[i]! - tps[i - 1]!);
      if (d2f === 0 && d2t === 0) continue;
    }
    fpr[k] = fps[i]! / N;
    tpr[k] = tps[i]! / P;
    k++;
  }
  return { fpr: fpr.subarray(0, k), tpr: tpr.subarray(0, k) };
}

/**
 * sklearn's `precision_recall_curve`: one point per distinct threshold, ordered by increasing
 * threshold (recall decreasing), then the final point (recall 0, precision 1). Undefined without
 * positive rows.
 */
export function prCurve(runs: ScoreRuns): { recall: Float64Array; precision: Float64Array } | undefined {
  const { P } = totals(runs);
  if (P === 0) return undefined;
  const m = runs.scores.length;
  const recall = new Float64Array(m + 1);
  const precision = new Float64Array(m + 1);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < m; i++) {
    tp += runs.pos[i]!;
    fp += runs.neg[i]!;
    recall[m - 1 - i] = tp / P;
    precision[m - 1 - i] = tp / (tp + fp);
  }
  recall[m] = 0;
  precision[m] = 1;
  return { recall, precision };
}
