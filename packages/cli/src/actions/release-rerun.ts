import { ANNOTATION, sha256Digest, type ArtifactFile, type Descriptor, type Manifest } from '@modelgate/registry';

/**
 * Whether a release already holds this payload: the same files, byte for byte, or the same apart
 * from what says nothing about the model: the latency model-eval measures on the machine each run,
 * and the baseline it was compared with (its source, and the thresholds gates took from it). Without
 * the second rule, eval then release at the same commit published a new patch version every time.
 * `existingLayer` reads one of the release's files (only when needed).
 */
export async function holdsPayload(manifest: Manifest, files: readonly ArtifactFile[], existingLayer: (layer: Descriptor) => Promise<Uint8Array>): Promise<'identical' | 'measurements' | false> {
  const layers = new Map(manifest.layers.map((layer) => [layer.annotations?.[ANNOTATION.title] ?? '', layer]));
  layers.delete('lineage.json');
  if (layers.size !== files.length) return false;
  const differing = files.filter((file) => layers.get(file.title)?.digest !== sha256Digest(file.content));
  if (differing.length === 0) return 'identical';
  if (differing.length > 1 || differing[0]!.title !== 'metrics.json' || !layers.has('metrics.json')) return false;
  const before = withoutMeasurements(await existingLayer(layers.get('metrics.json')!));
  return before !== undefined && before === withoutMeasurements(differing[0]!.content) ? 'measurements' : false;
}

/** A metrics.json's text without its latency figures, baseline and producer, or undefined when it is not JSON. */
function withoutMeasurements(bytes: Uint8Array): string | undefined {
  let value: { generated_by?: unknown; latency_ms?: unknown; baseline?: unknown; metrics?: Record<string, unknown>; gates?: Array<{ expr?: string; metric?: string; actual?: unknown; threshold?: unknown }> };
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as typeof value;
  } catch {
    return undefined;
  }
  const measured = (name: unknown) => typeof name === 'string' && name.startsWith('latency.');
  const { generated_by: _producer, latency_ms: _latency, baseline: _baseline, ...rest } = value;
  return JSON.stringify({
    ...rest,
    ...(rest.metrics ? { metrics: Object.fromEntries(Object.entries(rest.metrics).filter(([name]) => !measured(name))) } : {}),
    // A gate keeps its verdict; a latency gate's figure and a baseline gate's threshold change from run to run.
    ...(rest.gates
      ? {
          gates: rest.gates.map(({ actual, threshold, ...gate }) => ({
            ...gate,
            ...(measured(gate.metric) ? {} : { actual }),
            ...(typeof gate.expr === 'string' && gate.expr.includes('baseline.') ? {} : { threshold }),
          })),
        }
      : {}),
  });
}
