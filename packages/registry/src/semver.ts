/**
 * Semantic versions for models, decided from the artifacts rather than by hand:
 * - major: the contract broke (data schema or ONNX signature incompatible, see compat.ts);
 * - minor: compatible contract and a gated metric improved beyond the noise margin, none regressed
 *   beyond it;
 * - patch: anything else (retrain with equal quality, compatible schema tweaks);
 * - initial: no previous release → 1.0.0; explicit: `override`; prerelease: PR builds,
 *   `<next>-pr.<n>.<sha7>`.
 * Pure: no I/O.
 */
import { ConfigurationError } from '@modelgate/core';
import { metricDirection } from '@modelgate/metrics';
import { compareSchemas, compareSignatures, type SchemaLike, type SignatureLike } from './compat.js';
import { isVersionTag } from './oci.js';

export type { SchemaLike, SignatureLike } from './compat.js';

/** The part of metrics.json read here. */
export interface MetricsLike {
  metrics: Readonly<Record<string, number | null>>;
  gates?: ReadonlyArray<{ metric?: string | undefined }> | undefined;
}

export interface VersionInputs {
  schema?: SchemaLike | undefined;
  metrics?: MetricsLike | undefined;
  signature?: SignatureLike | undefined;
}

export interface NextVersionOptions {
  previous?: (VersionInputs & { version: string }) | undefined;
  current: VersionInputs;
  /** An exact version ("2.0.0") or a forced bump ("major" | "minor" | "patch"). */
  override?: string | undefined;
  /** Metrics whose improvement earns a minor bump; default: the metrics of current.metrics' gates. */
  gatedMetrics?: readonly string[] | undefined;
  /** Absolute change a metric must exceed to count (default 0.005). */
  noiseMargin?: number | undefined;
  prerelease?: { pr: number; sha: string } | undefined;
}

export type Bump = 'initial' | 'major' | 'minor' | 'patch' | 'explicit' | 'prerelease';

export interface NextVersion {
  version: string;
  bump: Bump;
  reason: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
  prerelease: string | undefined;
}

export function parseVersion(version: string, field = 'version'): ParsedVersion {
  const match = SEMVER.exec(version);
  if (!match) throw new ConfigurationError(`${field}: '${version}' is not a semantic version such as 1.4.0`);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] };
}

/** Compare two versions by precedence (build metadata ignored). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (const key of ['major', 'minor', 'patch'] as const) if (x[key] !== y[key]) return x[key] - y[key];
  if (x.prerelease === y.prerelease) return 0;
  if (x.prerelease === undefined) return 1;
  if (y.prerelease === undefined) return -1;
  const xs = x.prerelease.split('.');
  const ys = y.prerelease.split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const p = xs[i];
    const q = ys[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn) return -1;
    if (qn) return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

function bumpVersion(previous: ParsedVersion, bump: 'major' | 'minor' | 'patch'): string {
  // A previous pre-release 1.4.0-rc.1 is released as 1.4.0 by any bump that does not pass it.
  if (previous.prerelease !== undefined) {
    if (bump === 'patch' || (bump === 'minor' && previous.patch === 0) || (bump === 'major' && previous.minor === 0 && previous.patch === 0)) {
      return `${previous.major}.${previous.minor}.${previous.patch}`;
    }
  }
  if (bump === 'major') return `${previous.major + 1}.0.0`;
  if (bump === 'minor') return `${previous.major}.${previous.minor + 1}.0`;
  return `${previous.major}.${previous.minor}.${previous.patch + 1}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

interface MetricVerdict {
  improved: string[];
  regressed: string[];
  skipped: string[];
}

function compareMetrics(previous: MetricsLike, current: MetricsLike, names: readonly string[], margin: number): MetricVerdict {
  const verdict: MetricVerdict = { improved: [], regressed: [], skipped: [] };
  for (const name of names) {
    const direction = metricDirection(name);
    const before = previous.metrics[name];
    const after = current.metrics[name];
    if (!direction || typeof before !== 'number' || typeof after !== 'number' || !Number.isFinite(before) || !Number.isFinite(after)) {
      verdict.skipped.push(name);
      continue;
    }
    const gain = direction === 'higher' ? after - before : before - after;
    const text = `${name} ${formatNumber(before)} → ${formatNumber(after)}`;
    if (gain > margin) verdict.improved.push(text);
    else if (gain < -margin) verdict.regressed.push(text);
  }
  return verdict;
}

function gated(options: NextVersionOptions): string[] {
  if (options.gatedMetrics) return [...new Set(options.gatedMetrics)];
  const names = (options.current.metrics?.gates ?? []).map((gate) => gate.metric).filter((name): name is string => !!name);
  return [...new Set(names)];
}

/** `1.4.0-pr.123.abc1234`; an all-digit sha prefix with a leading zero is not a valid identifier, so it gets a `g`. */
export function prereleaseVersion(base: string, pr: number, sha: string): string {
  if (!Number.isInteger(pr) || pr < 0) throw new ConfigurationError(`prerelease: pull request number must be a non-negative integer, got ${pr}`);
  const short = sha.toLowerCase().slice(0, 7);
  if (!/^[0-9a-f]{7}$/.test(short)) throw new ConfigurationError(`prerelease: '${sha}' is not a git commit sha`);
  const id = /^\d+$/.test(short) && short.startsWith('0') ? `g${short}` : short;
  const core = parseVersion(base);
  return `${core.major}.${core.minor}.${core.patch}-pr.${pr}.${id}`;
}

function decide(options: NextVersionOptions): NextVersion {
  const { previous, current } = options;
  const override = options.override?.trim();
  if (override && !['major', 'minor', 'patch'].includes(override)) {
    parseVersion(override, 'version override');
    if (previous && compareVersions(override, previous.version) <= 0) {
      throw new ConfigurationError(`version override: ${override} is not greater than the previous release ${previous.version}`);
    }
    return { version: override, bump: 'explicit', reason: `version set explicitly to ${override}` };
  }
  if (!previous) {
    return { version: '1.0.0', bump: 'initial', reason: 'first release' };
  }
  const base = parseVersion(previous.version, 'previous version');
  if (override === 'major' || override === 'minor' || override === 'patch') {
    return { version: bumpVersion(base, override), bump: 'explicit', reason: `${override} bump requested explicitly` };
  }

  const breaking: string[] = [];
  const notes: string[] = [];
  if (previous.signature && current.signature) {
    const result = compareSignatures(previous.signature, current.signature);
    breaking.push(...result.breaking);
    notes.push(...result.notes);
  }
  if (previous.schema && current.schema) {
    const result = compareSchemas(previous.schema, current.schema);
    breaking.push(...result.breaking);
    notes.push(...result.notes);
  }
  if (breaking.length) {
    return { version: bumpVersion(base, 'major'), bump: 'major', reason: `incompatible change: ${breaking.join('; ')}` };
  }

  const margin = options.noiseMargin ?? 0.005;
  if (!(margin >= 0)) throw new ConfigurationError(`noise margin must be a non-negative number, got ${margin}`);
  const names = gated(options);
  if (previous.metrics && current.metrics && names.length) {
    const verdict = compareMetrics(previous.metrics, current.metrics, names, margin);
    if (verdict.improved.length && !verdict.regressed.length) {
      return { version: bumpVersion(base, 'minor'), bump: 'minor', reason: `gated metrics improved beyond ±${margin}: ${verdict.improved.join(', ')}` };
    }
    const why = verdict.regressed.length
      ? `gated metrics regressed beyond ±${margin}: ${verdict.regressed.join(', ')}`
      : `no gated metric improved beyond ±${margin}`;
    return { version: bumpVersion(base, 'patch'), bump: 'patch', reason: withNotes(why, notes) };
  }
  const why = !names.length ? 'no gated metrics to compare' : 'no metrics for one of the versions';
  return { version: bumpVersion(base, 'patch'), bump: 'patch', reason: withNotes(why, notes) };
}

function withNotes(reason: string, notes: string[]): string {
  return notes.length ? `${reason}; compatible changes: ${notes.join('; ')}` : reason;
}

/** The version the current model should be released as, and why. */
export function nextVersion(options: NextVersionOptions): NextVersion {
  const decided = decide(options);
  if (!options.prerelease) return decided;
  return {
    version: prereleaseVersion(decided.version, options.prerelease.pr, options.prerelease.sha),
    bump: 'prerelease',
    reason: `pull request #${options.prerelease.pr} build of ${decided.version} (${decided.bump}: ${decided.reason})`,
  };
}

/** A tag that names a released version (`1.4.0`, `1.4.0-pr.12.abc1234`), not an alias like `latest`. */
export function isReleaseVersionTag(tag: string): boolean {
  if (!isVersionTag(tag)) return false;
  try {
    parseVersion(tag);
    return true;
  } catch {
    return false;
  }
}
