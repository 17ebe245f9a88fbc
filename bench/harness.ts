/** Minimal benchmark plumbing: timed repetitions, medians, and a table with ratios to a baseline. */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Measurement {
  name: string;
  /** Median wall time of one repetition, in milliseconds. */
  medianMs: number;
  minMs: number;
  runs: number;
  /** Extra figures (rows/s, MB/s, peak RSS in MB, …). */
  figures?: Record<string, number>;
  /** Name of the measurement (same bench) this one is compared with. */
  baseline?: string;
}

export interface Bench {
  name: string;
  run(): Promise<Measurement[]>;
}

export async function measure(name: string, runs: number, work: () => Promise<void> | void): Promise<Measurement> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]!, runs };
}

export function renderTable(bench: string, measurements: Measurement[]): string {
  const lines = [`## ${bench}`, '', '| measurement | median ms | min ms | runs | vs baseline | figures |', '| --- | ---: | ---: | ---: | ---: | --- |'];
  for (const m of measurements) {
    const base = m.baseline ? measurements.find((candidate) => candidate.name === m.baseline) : undefined;
    const ratio = base ? `${(m.medianMs / base.medianMs).toFixed(2)}×` : '';
    const figures = Object.entries(m.figures ?? {})
      .map(([key, value]) => `${key}=${Number.isInteger(value) ? value : value.toFixed(2)}`)
      .join(', ');
    lines.push(`| ${m.name} | ${m.medianMs.toFixed(1)} | ${m.minMs.toFixed(1)} | ${m.runs} | ${ratio} | ${figures} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Bundles a benchmark's child script (TypeScript with workspace imports) into one ESM file, so the
 * child runs as plain Node: no TypeScript loader in its time or RSS.
 */
export async function bundleChild(entry: string, outfile: string, external: string[] = []): Promise<void> {
  // Imported here: the readers benchmark bundles itself as its child, which must not load esbuild.
  const { buildSync } = await import('esbuild');
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external,
    logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
}

/** Runs a bundled child script; its last stdout line is one measurement as JSON. */
export function runChild<T>(script: string, args: readonly string[], cwd?: string): T {
  const text = execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20, ...(cwd ? { cwd } : {}) });
  return JSON.parse(text.trim().split('\n').at(-1)!) as T;
}
