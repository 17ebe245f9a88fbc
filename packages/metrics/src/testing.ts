/** Test helper. mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Test and benchmark helper: `n` binary rows (30 % positives) with float32 probabilities that
 * separate the classes somewhat, and the labels they predict at 0.5. Deterministic.
 */
export function binaryRows(n: number): { yTrue: Int32Array; yPred: Int32Array; proba: Float32Array } {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const proba = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = rnd() < 0.3 ? 1 : 0;
    const s = Math.fround(Math.min(1, 0.3 * t + 0.7 * rnd()));
    yTrue[i] = t;
    yPred[i] = s >= 0.5 ? 1 : 0;
    proba[2 * i] = 1 - s;
    proba[2 * i + 1] = s;
  }
  return { yTrue, yPred, proba };
}
