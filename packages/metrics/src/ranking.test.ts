import { describe, expect, it } from 'vitest';
import { averagePrecision, mergeRuns, RankingPartial, rocAuc, runsFromSorted, type ScoreRuns } from './ranking.js';
import { prng } from './testing.js';

function runsOf(scores: number[], positive: boolean[]): ScoreRuns {
  const r = new RankingPartial();
  scores.forEach((s, i) => r.push(s, positive[i]!));
  return r.runs();
}

/** Mann–Whitney: P(score_pos > score_neg) + ½ P(tie), by brute force over all pairs. */
function aucBruteForce(scores: number[], positive: boolean[]): number | null {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (!positive[i]) return;
    scores.forEach((sn, j) => {
      if (positive[j]) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return pairs === 0 ? null : wins / pairs;
}

/** Step-wise AP from its definition: one threshold per distinct score, counted from scratch. */
function apBruteForce(scores: number[], positive: boolean[]): number {
  const P = positive.filter(Boolean).length;
  if (P === 0) return 0;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    const tp = scores.filter((s, i) => s >= t && positive[i]).length;
    const fp = scores.filter((s, i) => s >= t && !positive[i]).length;
    ap += (tp / P - prevRecall) * (tp / (tp + fp));
    prevRecall = tp / P;
  }
  return ap;
}

describe('ranking metrics with tied scores', () => {
  it.each(Array.from({ length: 40 }, (_, k) => [k + 1]))('matches the brute-force definitions (seed %i)', (seed) => {
    const rng = prng(seed);
    const n = 1 + Math.floor(rng() * 150);
    const levels = [2, 3, 5, 10, 1000][seed % 5]!;
    const positive = Array.from({ length: n }, () => rng() < 0.4);
    const scores = positive.map((p) => Math.floor((rng() * 0.7 + (p ? 0.3 : 0)) * levels) / levels);
    const runs = runsOf(scores, positive);
    const expected = aucBruteForce(scores, positive);
    if (expected === null) expect(rocAuc(runs)).toBeNull();
    else expect(rocAuc(runs)).toBeCloseTo(expected, 14);
    expect(averagePrecision(runs)).toBeCloseTo(apBruteForce(scores, positive), 14);
  });

  it('groups -0 and +0 as one score, as numpy does', () => {
    const runs = runsOf([-0, 0, 0.5, -0], [true, false, true, false]);
    expect(Array.from(runs.scores)).toEqual([0.5, 0]);
    expect(Array.from(runs.pos)).toEqual([1, 1]);
    expect(Array.from(runs.neg)).toEqual([0, 2]);
    expect(rocAuc(runs)).toBe(0.75);
  });

  it('is undefined for ROC-AUC and 0 for AP without positives', () => {
    const runs = runsOf([0.1, 0.9], [false, false]);
    expect(rocAuc(runs)).toBeNull();
    expect(averagePrecision(runs)).toBe(0);
    expect(rocAuc(runsOf([0.1, 0.9], [true, true]))).toBeNull();
    expect(averagePrecision(runsOf([0.1, 0.9], [true, true]))).toBe(1);
  });

  it('merges runs into the runs of the union', () => {
    const a = runsFromSorted(Float64Array.of(0.1, 0.5, 0.5), Float64Array.of(0.2, 0.5));
    const b = runsFromSorted(Float64Array.of(0.2), Float64Array.of(0.05, 0.9));
    const all = runsFromSorted(Float64Array.of(0.1, 0.2, 0.5, 0.5), Float64Array.of(0.05, 0.2, 0.5, 0.9));
    expect(mergeRuns(a, b)).toEqual(all);
    expect(mergeRuns(b, a)).toEqual(all);
  });
});
