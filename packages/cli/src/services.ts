import type { ToolCache } from '@modelgate/runtime';

/** Champion metrics kept between workflow runs (GitHub Actions cache). */
export interface BaselineStore {
  restore(name: string, preferSha?: string): Promise<{ text: string; key: string } | undefined>;
  save(name: string, sha: string, metricsJson: string): Promise<boolean>;
}

/**
 * Capabilities only some hosts have (the runner's cache service). The host that starts a run
 * registers them; actions ask, and degrade with a warning when a service is absent.
 */
export interface HostServices {
  toolCache?: ToolCache;
  baselineStore?: BaselineStore;
}

let current: HostServices = {};

export function setHostServices(services: HostServices): void {
  current = services;
}

export function hostServices(): HostServices {
  return current;
}
