/**
 * The gate language: small, parsed (never eval'd), documented in docs/gates.md.
 *
 *   gate       := metric cmp bound
 *               | metric goal amount
 *   metric     := [ 'slice(' column '=' value ').' ] name [ '[' class ']' ]
 *   name       := identifier ( '.' identifier )*          accuracy, f1_macro, latency.p95_ms
 *   cmp        := '>=' | '>' | '<=' | '<' | '==' | '!='
 *   bound      := number | 'baseline.' metric [ ('+' | '-') number | '*' number ]
 *   goal       := 'max-degradation' | 'percent-max-degradation' | 'min-improvement' | 'percent-min-improvement'
 *   number     := decimal [ '%' ]                           80% = 0.8
 *
 * Goals (as in Olive) compare with the baseline in the metric's better direction:
 *   f1 max-degradation 0.01               → f1 >= baseline.f1 - 0.01
 *   log_loss max-degradation 0.01         → log_loss <= baseline.log_loss + 0.01   (lower is better)
 *   f1 percent-max-degradation 2%         → f1 >= baseline.f1 × (1 - 0.02)
 *   latency.p95_ms percent-min-improvement 10% → latency.p95_ms <= baseline × (1 - 0.10)
 */
import { closestName, ConfigurationError } from '@modelgate/core';

export type Comparator = '>=' | '>' | '<=' | '<' | '==' | '!=';
export type Goal = 'max-degradation' | 'percent-max-degradation' | 'min-improvement' | 'percent-min-improvement';

export interface MetricRef {
  name: string;
  className?: string;
  slice?: { column: string; value: string };
}

export type Bound =
  | { kind: 'number'; value: number }
  | { kind: 'baseline'; metric: MetricRef; offset: number; factor: number };

export interface Gate {
  expr: string;
  metric: MetricRef;
  comparator: Comparator;
  bound: Bound;
  /** Set for goal forms; the comparator and bound are derived once the direction is known. */
  goal?: { kind: Goal; amount: number };
}

const GOALS: readonly Goal[] = ['max-degradation', 'percent-max-degradation', 'min-improvement', 'percent-min-improvement'];

class Cursor {
  position = 0;
  constructor(readonly text: string, readonly expr: string) {}
  skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position += 1;
  }
  peek(pattern: RegExp): string | undefined {
    this.skipSpace();
    return pattern.exec(this.text.slice(this.position))?.[0];
  }
  take(pattern: RegExp, what: string): string {
    const token = this.peek(pattern);
    if (token === undefined) throw this.error(`expected ${what}`);
    this.position += token.length;
    return token;
  }
  /** Where a trailing comment starts, once done() found one. */
  commentFrom: number | undefined;
  /** At the end, or at a comment after the gate (` # …`, as in a YAML list, so a `gates: |` block may hold them too). */
  done(): boolean {
    this.skipSpace();
    if (this.text[this.position] === '#' && /\s/.test(this.text[this.position - 1] ?? '')) {
      this.commentFrom = this.position;
      this.position = this.text.length;
    }
    return this.position >= this.text.length;
  }
  /** The gate without its comment. */
  gate(): string {
    return this.text.slice(0, this.commentFrom ?? this.text.length).trimEnd();
  }
  error(message: string): ConfigurationError {
    const at = this.position < this.text.length ? ` at '${this.text.slice(this.position, this.position + 12)}'` : ' at the end';
    return new ConfigurationError(`gate '${this.expr}': ${message}${at}`, { field: 'gates' });
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?/;

function parseNumber(token: string): number {
  return token.endsWith('%') ? Number(token.slice(0, -1)) / 100 : Number(token);
}

/** Text up to the closing bracket, so class labels like `>50K` or `<=50K` need no quoting. */
function takeBracketed(cursor: Cursor, close: string, what: string): string {
  const end = cursor.text.indexOf(close, cursor.position);
  if (end < 0) throw cursor.error(`missing '${close}' after ${what}`);
  const value = cursor.text.slice(cursor.position, end).trim();
  cursor.position = end + close.length;
  if (value === '') throw cursor.error(`empty ${what}`);
  return value;
}

function parseMetric(cursor: Cursor): MetricRef {
  let slice: MetricRef['slice'];
  if (cursor.peek(/^slice\s*\(/)) {
    cursor.take(/^slice\s*\(/, "'slice('");
    // Up to ')' and the '.' after it: a value may hold brackets, like the slice of missing values, '(missing)'.
    const inside = takeBracketed(cursor, ').', 'slice condition');
    const equals = inside.indexOf('=');
    if (equals <= 0) throw cursor.error(`slice needs column=value, got '${inside}'`);
    slice = { column: inside.slice(0, equals).trim(), value: inside.slice(equals + 1).trim() };
  }
  const name = cursor.take(IDENTIFIER, 'a metric name');
  let className: string | undefined;
  if (cursor.peek(/^\[/)) {
    cursor.take(/^\[/, "'['");
    className = takeBracketed(cursor, ']', 'class label');
  }
  return { name, ...(className !== undefined ? { className } : {}), ...(slice ? { slice } : {}) };
}

/** Parse one gate; a syntax error is a ConfigurationError quoting the gate. */
export function parseGate(expr: string): Gate {
  const cursor = new Cursor(expr.trim(), expr.trim());
  const metric = parseMetric(cursor);
  const goal = cursor.peek(/^(percent-)?(max-degradation|min-improvement)\b/) as Goal | undefined;
  if (goal && GOALS.includes(goal)) {
    cursor.take(/^(percent-)?(max-degradation|min-improvement)\b/, 'a goal');
    const amount = parseNumber(cursor.take(NUMBER, 'an amount'));
    if (!cursor.done()) throw cursor.error('unexpected text');
    if (amount < 0) throw cursor.error('the amount must not be negative');
    return { expr: cursor.gate(), metric, comparator: '>=', bound: { kind: 'baseline', metric: { name: metric.name, ...(metric.className ? { className: metric.className } : {}), ...(metric.slice ? { slice: metric.slice } : {}) }, offset: 0, factor: 1 }, goal: { kind: goal, amount } };
  }
  const comparator = cursor.take(/^(>=|<=|==|!=|>|<)/, 'a comparison (>=, >, <=, <, ==, !=) or a goal (max-degradation, …)') as Comparator;
  let bound: Bound;
  if (cursor.peek(/^baseline\./)) {
    cursor.take(/^baseline\./, "'baseline.'");
    const reference = parseMetric(cursor);
    let offset = 0;
    let factor = 1;
    const operator = cursor.peek(/^[-+*]/);
    if (operator) {
      cursor.take(/^[-+*]/, 'an operator');
      const value = parseNumber(cursor.take(/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?/, 'a number'));
      if (operator === '*') factor = value;
      else offset = operator === '-' ? -value : value;
    }
    bound = { kind: 'baseline', metric: reference, offset, factor };
  } else {
    bound = { kind: 'number', value: parseNumber(cursor.take(NUMBER, "a number or 'baseline.<metric>'")) };
    if (cursor.peek(/^ms\b/)) cursor.take(/^ms\b/, "'ms'");
  }
  if (!cursor.done()) throw cursor.error('unexpected text');
  return { expr: cursor.gate(), metric, comparator, bound };
}

/** What a gate is evaluated against: flat metric values, per class and per slice. */
export interface MetricView {
  metrics: Record<string, number | null>;
  perClass?: Record<string, Record<string, number | null>>;
  slices?: { column: string; value: string; metrics: Record<string, number | null>; perClass?: Record<string, Record<string, number | null>> }[];
}

export interface GateOutcome {
  expr: string;
  metric: string;
  actual: number | null;
  threshold: number | null;
  passed: boolean;
  skipped?: string;
}

export interface GateContext {
  head: MetricView;
  baseline?: MetricView;
  /** Which way is better for a metric name (latency, losses and errors: lower). */
  direction(name: string): 'higher' | 'lower';
}

export function describeMetric(ref: MetricRef): string {
  const slice = ref.slice ? `slice(${ref.slice.column}=${ref.slice.value}).` : '';
  return `${slice}${ref.name}${ref.className !== undefined ? `[${ref.className}]` : ''}`;
}

/** Evaluate parsed gates; a metric that does not exist is a ConfigurationError naming the valid ones. */
export function evaluateGates(gates: readonly Gate[], context: GateContext): GateOutcome[] {
  return gates.map((gate) => evaluateGate(gate, context));
}

function evaluateGate(gate: Gate, context: GateContext): GateOutcome {
  const metric = describeMetric(gate.metric);
  const lookup = resolve(gate, gate.metric, context.head, 'head');
  if ('missingSlice' in lookup) return { expr: gate.expr, metric, actual: null, threshold: null, passed: false, skipped: lookup.missingSlice };
  const actual = lookup.value;

  let threshold: number | null;
  let comparator = gate.comparator;
  if (gate.bound.kind === 'number') threshold = gate.bound.value;
  else {
    if (!context.baseline) return { expr: gate.expr, metric, actual, threshold: null, passed: true, skipped: 'no baseline metrics available' };
    const base = resolve(gate, gate.bound.metric, context.baseline, 'baseline');
    if ('missingSlice' in base) return { expr: gate.expr, metric, actual, threshold: null, passed: true, skipped: `baseline: ${base.missingSlice}` };
    if (base.value === null) return { expr: gate.expr, metric, actual, threshold: null, passed: true, skipped: `baseline ${describeMetric(gate.bound.metric)} is undefined` };
    if (gate.goal) {
      const higher = context.direction(gate.metric.name) === 'higher';
      const { kind, amount } = gate.goal;
      const relative = kind.startsWith('percent-');
      const improve = kind.endsWith('min-improvement');
      // Degradation allows moving the bad way by `amount`; improvement demands moving the good way.
      const towardsGood = improve ? 1 : -1;
      const sign = higher ? towardsGood : -towardsGood;
      threshold = relative ? base.value * (1 + sign * amount) : base.value + sign * amount;
      comparator = higher ? '>=' : '<=';
    } else {
      threshold = base.value * gate.bound.factor + gate.bound.offset;
    }
  }
  if (actual === null) return { expr: gate.expr, metric, actual, threshold, passed: false, skipped: `${metric} is undefined for this data` };
  return { expr: gate.expr, metric, actual, threshold, passed: compare(actual, comparator, threshold) };
}

function compare(actual: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>=':
      return actual >= threshold;
    case '>':
      return actual > threshold;
    case '<=':
      return actual <= threshold;
    case '<':
      return actual < threshold;
    case '==':
      return actual === threshold;
    case '!=':
      return actual !== threshold;
  }
}

function resolve(gate: Gate, ref: MetricRef, view: MetricView, which: 'head' | 'baseline'): { value: number | null } | { missingSlice: string } {
  let metrics = view.metrics;
  let perClass = view.perClass;
  if (ref.slice) {
    const slices = (view.slices ?? []).filter((slice) => slice.column === ref.slice!.column);
    if (slices.length === 0) {
      if (which === 'baseline') return { missingSlice: `no slices by '${ref.slice.column}'` };
      throw new ConfigurationError(`gate '${gate.expr}': no slices by '${ref.slice.column}' were computed; add '${ref.slice.column}' to the slice columns`, { field: 'gates' });
    }
    const slice = slices.find((candidate) => candidate.value === ref.slice!.value);
    if (!slice) return { missingSlice: `no rows with ${ref.slice.column}=${ref.slice.value} (values: ${slices.map((candidate) => candidate.value).join(', ')})` };
    metrics = slice.metrics;
    perClass = slice.perClass;
  }
  if (ref.className !== undefined) {
    const classes = perClass ?? {};
    const row = classes[ref.className];
    if (!row) {
      if (which === 'baseline') return { value: null };
      throw new ConfigurationError(`gate '${gate.expr}': unknown class '${ref.className}'; classes: ${Object.keys(classes).join(', ') || 'none (not a classification)'}`, { field: 'gates' });
    }
    if (!(ref.name in row)) throw unknownMetric(gate, ref.name, Object.keys(row));
    return { value: row[ref.name] ?? null };
  }
  if (!(ref.name in metrics)) {
    if (which === 'baseline') return { value: null };
    throw unknownMetric(gate, ref.name, Object.keys(metrics));
  }
  return { value: metrics[ref.name] ?? null };
}

function unknownMetric(gate: Gate, name: string, valid: string[]): ConfigurationError {
  const near = closestName(name, valid);
  return new ConfigurationError(`gate '${gate.expr}': unknown metric '${name}'${near ? ` (did you mean '${near}'?)` : ''}; valid metrics: ${[...valid].sort().join(', ')}`, {
    field: 'gates',
  });
}
