import type { z } from 'zod';
import { ConfigurationError, formatBytes, formatCount, type Budget, type FigureDiff } from '@modelgate/core';
import { DEFAULT_DOMAIN, type ModelFigures } from './inspect.js';
import compat from './runtime-compat.json' with { type: 'json' };

export type BudgetResult = z.output<typeof Budget>;
export type FigureDelta = z.output<typeof FigureDiff>;

export interface BudgetOptions {
  maxBytes?: number;
  maxParameters?: number;
  /** Fraction: 0.1 = at most 10 % larger than the base model. */
  maxGrowth?: number;
  /** Op types (`Gemm`) or `domain:op_type` (`ai.onnx.ml:TreeEnsembleClassifier`). */
  allowedOps?: string[];
  /** Highest default-domain (ai.onnx) opset allowed. */
  maxOpset?: number;
  /** e.g. `onnxruntime 1.17`. */
  targetRuntime?: string;
}

export interface RuntimeLimits {
  runtime: string;
  version: string;
  max_ir_version: number;
  max_opset: Record<string, number>;
}

const RUNTIMES = (compat as { runtimes: RuntimeLimits[] }).runtimes;

const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
const opKey = (op: { domain: string; op_type: string }): string => `${op.domain}:${op.op_type}`;

/** Figures compared head vs base: value, Δ and Δ%. */
export function diffFigures(base: ModelFigures, head: ModelFigures): { diff: FigureDelta[]; opsAdded: string[]; opsRemoved: string[] } {
  const rows: [string, number | string, number | string][] = [
    ['bytes.total', base.bytes.total, head.bytes.total],
    ['bytes.file', base.bytes.file, head.bytes.file],
    ['bytes.external', base.bytes.external, head.bytes.external],
    ['parameters', base.parameters, head.parameters],
    ['nodes', base.nodes, head.nodes],
    ['ir_version', base.ir_version, head.ir_version],
  ];
  const domains = new Set([...base.opsets, ...head.opsets].map((opset) => opset.domain));
  for (const domain of [...domains].sort()) {
    const find = (figures: ModelFigures) => figures.opsets.find((opset) => opset.domain === domain)?.version ?? '';
    rows.push([`opset.${domain}`, find(base), find(head)]);
  }
  const dtypes = new Set([...Object.keys(base.initializer_bytes_by_dtype), ...Object.keys(head.initializer_bytes_by_dtype)]);
  for (const dtype of [...dtypes].sort()) {
    rows.push([`initializer_bytes.${dtype}`, base.initializer_bytes_by_dtype[dtype] ?? 0, head.initializer_bytes_by_dtype[dtype] ?? 0]);
  }
  const diff = rows.map(([figure, b, h]): FigureDelta => {
    const numeric = typeof b === 'number' && typeof h === 'number';
    return {
      figure,
      base: b === '' ? null : b,
      head: h === '' ? null : h,
      delta: numeric ? h - b : null,
      delta_pct: numeric && b !== 0 ? (h - b) / b : null,
    };
  });
  const baseOps = new Set(base.ops.map(opKey));
  const headOps = new Set(head.ops.map(opKey));
  return {
    diff,
    opsAdded: [...headOps].filter((op) => !baseOps.has(op)).sort(),
    opsRemoved: [...baseOps].filter((op) => !headOps.has(op)).sort(),
  };
}

/** Evaluate every configured budget; each result carries the numbers that decided it. */
export function evaluateBudgets(head: ModelFigures, base: ModelFigures | undefined, options: BudgetOptions): BudgetResult[] {
  const results: BudgetResult[] = [];
  if (options.maxBytes !== undefined) {
    const passed = head.bytes.total <= options.maxBytes;
    results.push({
      name: 'max_bytes',
      limit: options.maxBytes,
      actual: head.bytes.total,
      passed,
      message: `model is ${formatBytes(head.bytes.total)} (${head.bytes.total} bytes), budget ${formatBytes(options.maxBytes)} (${options.maxBytes} bytes)`,
    });
  }
  if (options.maxParameters !== undefined) {
    results.push({
      name: 'max_parameters',
      limit: options.maxParameters,
      actual: head.parameters,
      passed: head.parameters <= options.maxParameters,
      message: `${formatCount(head.parameters)} parameters, budget ${formatCount(options.maxParameters)}`,
    });
  }
  if (options.maxGrowth !== undefined) {
    if (!base) {
      results.push({ name: 'max_growth', limit: pct(options.maxGrowth), actual: '', passed: true, skipped: 'no base model to compare with', message: 'growth not checked: no base model' });
    } else {
      const growth = base.bytes.total === 0 ? 0 : (head.bytes.total - base.bytes.total) / base.bytes.total;
      results.push({
        name: 'max_growth',
        limit: pct(options.maxGrowth),
        actual: pct(growth),
        passed: growth <= options.maxGrowth + 1e-12,
        message: `model grew ${pct(growth)} (${formatBytes(base.bytes.total)} → ${formatBytes(head.bytes.total)}), budget ${pct(options.maxGrowth)}`,
      });
    }
  }
  if (options.allowedOps !== undefined) {
    const allowed = new Set(options.allowedOps.map((op) => (op.includes(':') ? op : `${DEFAULT_DOMAIN}:${op}`)));
    const disallowed = head.ops.map(opKey).filter((op) => !allowed.has(op));
    results.push({
      name: 'allowed_ops',
      limit: [...allowed].sort(),
      actual: disallowed,
      passed: disallowed.length === 0,
      message: disallowed.length === 0 ? 'every operator is allowed' : `operators not allowed: ${disallowed.join(', ')}`,
    });
  }
  if (options.maxOpset !== undefined) {
    const opset = head.opsets.find((entry) => entry.domain === DEFAULT_DOMAIN)?.version ?? 0;
    results.push({
      name: 'max_opset',
      limit: options.maxOpset,
      actual: opset,
      passed: opset <= options.maxOpset,
      message: `ai.onnx opset ${opset}, budget ${options.maxOpset}`,
    });
  }
  if (options.targetRuntime !== undefined) results.push(runtimeBudget(head, options.targetRuntime));
  return results;
}

/** Limits of a runtime release; releases between probed ones take the closest older one. */
export function runtimeLimits(target: string): RuntimeLimits {
  const match = /^\s*(onnxruntime|ort)(?:[\s@]+|-)v?(\d+)\.(\d+)(?:\.\d+)?\s*$/i.exec(target);
  if (!match) throw new ConfigurationError(`target-runtime '${target}' is not understood; expected e.g. 'onnxruntime 1.17'`, { field: 'target-runtime' });
  const wanted = [Number(match[2]), Number(match[3])] as const;
  const version = (limits: RuntimeLimits) => limits.version.split('.').map(Number) as [number, number];
  const older = RUNTIMES.filter((limits) => {
    const [major, minor] = version(limits);
    return major < wanted[0] || (major === wanted[0] && minor <= wanted[1]);
  });
  const chosen = older.at(-1);
  if (!chosen) {
    throw new ConfigurationError(
      `target-runtime '${target}': modelgate knows onnxruntime ${RUNTIMES[0]?.version} and later (${RUNTIMES.map((limits) => limits.version).join(', ')})`,
      { field: 'target-runtime' },
    );
  }
  return chosen;
}

function runtimeBudget(head: ModelFigures, target: string): BudgetResult {
  const limits = runtimeLimits(target);
  const problems: string[] = [];
  if (head.ir_version > limits.max_ir_version) problems.push(`IR version ${head.ir_version} > ${limits.max_ir_version}`);
  for (const opset of head.opsets) {
    const max = limits.max_opset[opset.domain];
    if (max !== undefined && opset.version > max) problems.push(`${opset.domain} opset ${opset.version} > ${max}`);
  }
  const name = `onnxruntime ${limits.version}`;
  return {
    name: 'target_runtime',
    limit: name,
    actual: `IR ${head.ir_version}, ${head.opsets.map((opset) => `${opset.domain} ${opset.version}`).join(', ')}`,
    passed: problems.length === 0,
    message: problems.length === 0 ? `loads in ${name} (IR ≤ ${limits.max_ir_version}, ai.onnx ≤ ${limits.max_opset[DEFAULT_DOMAIN]})` : `${name} cannot load it: ${problems.join('; ')}`,
  };
}
