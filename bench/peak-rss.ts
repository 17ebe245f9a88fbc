/**
 * Peak resident memory of this process: `VmHWM` in /proc/self/status, the kernel's own high-water
 * mark (exact, and free: nothing polls while the benchmark runs). Not `resourceUsage().maxRSS`: on
 * Linux ru_maxrss survives fork/exec, so a child would report its parent's peak if larger, where
 * VmHWM starts afresh with the exec. Elsewhere (no /proc), RSS sampled every 2 ms.
 */
import { readFileSync } from 'node:fs';

const highWaterMark = (): number | undefined => {
  try {
    const match = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
};
if (highWaterMark() === undefined) {
  sample();
  setInterval(sample, 2).unref();
}

export function peakRssMb(): number {
  const kernel = highWaterMark();
  if (kernel !== undefined) return kernel / 1e6;
  sample();
  return peak / 1e6;
}
