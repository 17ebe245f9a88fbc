/**
 * Peak resident memory of this process, sampled every 2 ms. Not `resourceUsage().maxRSS`: on
 * Linux ru_maxrss survives fork/exec, so a child would report its parent's peak if larger.
 */
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
};
sample();
setInterval(sample, 2).unref();

export function peakRssMb(): number {
  sample();
  return peak / 1e6;
}
