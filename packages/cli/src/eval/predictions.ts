import type { Scored } from '@modelgate/runtime';
import type { Assembled } from './assemble.js';

const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Whether a file's first bytes are those of a predictionsCsv (an earlier run's, safe to remove). */
export function isPredictionsCsv(head: string): boolean {
  return /^line,label,prediction(,|\r?\n|$)/.test(head);
}

/**
 * Per-row predictions for error analysis: the source line, the truth, the prediction and, for
 * classifiers with probabilities, one column per class (in the metrics' label order).
 */
export function predictionsCsv(scored: Scored, assembled: Assembled): string {
  const labels = assembled.labels;
  const probabilities = assembled.probabilities;
  const header = ['line', 'label', 'prediction', ...(labels && probabilities ? labels.map((label) => `p(${label})`) : [])];
  const lines = [header.map(field).join(',')];
  for (let i = 0; i < scored.rows; i += 1) {
    const row = [String(scored.lines[i]), String(scored.truths[i]), String(scored.predictions[i])];
    if (labels && probabilities) for (let c = 0; c < labels.length; c += 1) row.push(String(probabilities[i * labels.length + c]));
    lines.push(row.map(field).join(','));
  }
  return `${lines.join('\n')}\n`;
}
