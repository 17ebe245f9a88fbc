/**
 * The GitHub Actions cache (through @actions/cache) behind the runtime's ToolCache and the
 * champion-baseline store. Everything here is best effort: a cache problem never fails the
 * job, these functions never throw (actions/cache's own rule).
 *
 * Two properties of @actions/cache shape this module:
 * - It caches *paths*, and an entry's `version` is a hash of the path strings (plus the
 *   compression method, and `windows-only` on Windows). A restore must name exactly the path
 *   the save named, and files come back at that same absolute place.
 * - It swallows its own failures and reports them itself through @actions/core (a warning,
 *   an error annotation for 5xx answers, or an info line when another job reserved the key),
 *   then returns "miss" (`undefined`) or `-1`. A restore failure thus looks like a miss here
 *   (the library has warned). A failed save of the tool cache is only an info line here (the
 *   next run downloads again); a failed baseline save is a warning unless a lookup finds the
 *   key already saved (a re-run: the library reported the reservation conflict as info). Over
 *   v1 it even returns the reserved id when the upload failed, so baseline saves are checked.
 *   We also warn for what we see ourselves (a rejected key, a file we cannot write or read).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { errorMessage, oneLine, removeOnInterrupt, type Logger } from '@modelgate/core';
import type { ToolCache } from '@modelgate/runtime';
import type { BaselineStore } from './services.js';

export type { BaselineStore } from './services.js';

/** The two calls of @actions/cache used here (injectable for tests). */
export interface CacheClient {
  /** `lookupOnly`: find the entry without downloading it. */
  restoreCache(paths: string[], primaryKey: string, restoreKeys?: string[], options?: { lookupOnly?: boolean }): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

export interface ActionsCacheOptions {
  client?: CacheClient;
  /** Defaults to process.env, which is also what @actions/cache itself reads. */
  env?: NodeJS.ProcessEnv;
}

/** A baseline store whose restore can prefer the entry of one commit (e.g. the PR's base sha). */
export interface ActionsBaselineStore extends BaselineStore {
  restore(name: string, preferSha?: string): Promise<{ text: string; key: string } | undefined>;
}

export const BASELINE_KEY_PREFIX = 'modelgate-baseline-';
const MAX_KEY_LENGTH = 512;
const MAX_NAME_PART = 200;

// Loaded on first use: @actions/cache brings @azure/storage-blob and friends (~2.5 MB
// bundled), which ncc then puts in a chunk of its own instead of every action's startup.
const loadActionsCache = () => import('@actions/cache');
const defaultClient: CacheClient = {
  restoreCache: async (paths, primaryKey, restoreKeys, options) => (await loadActionsCache()).restoreCache(paths, primaryKey, restoreKeys, options),
  saveCache: async (paths, key) => (await loadActionsCache()).saveCache(paths, key),
};

/**
 * Which protocol @actions/cache 6.x speaks, decided as it does: GHES (a GITHUB_SERVER_URL
 * other than github.com, *.ghe.com, *.localhost) always v1; otherwise v2 when
 * ACTIONS_CACHE_SERVICE_V2 is set to anything non-empty (the runner sets it on github.com).
 */
export function cacheServiceVersion(env: NodeJS.ProcessEnv = process.env): 'v1' | 'v2' {
  let host: string;
  try {
    host = new URL(env['GITHUB_SERVER_URL'] || 'https://github.com').hostname.toUpperCase();
  } catch {
    return 'v1';
  }
  const ghes = host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST');
  return !ghes && env['ACTIONS_CACHE_SERVICE_V2'] ? 'v2' : 'v1';
}

/**
 * Whether the cache service is reachable from this process: the runner gives JavaScript
 * actions ACTIONS_RUNTIME_TOKEN plus ACTIONS_RESULTS_URL (v2) or ACTIONS_CACHE_URL (v1);
 * `run:` steps and the CLI have neither.
 */
export function isCacheAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!env['ACTIONS_RUNTIME_TOKEN']) return false;
  return cacheServiceVersion(env) === 'v2' ? Boolean(env['ACTIONS_RESULTS_URL']) : Boolean(env['ACTIONS_CACHE_URL']);
}

/** ACTIONS_CACHE_MODE (none | read | write | write-only), as @actions/cache reads it; unset or unknown allows both. */
export function cacheMode(env: NodeJS.ProcessEnv = process.env): { read: boolean; write: boolean; mode: string } {
  const mode = (env['ACTIONS_CACHE_MODE'] ?? '').trim().toLowerCase();
  if (!['none', 'read', 'write', 'write-only'].includes(mode)) return { read: true, write: true, mode };
  return { read: mode === 'read' || mode === 'write', write: mode === 'write' || mode === 'write-only', mode };
}

/**
 * A name as a cache-key part: kept when it is only [A-Za-z0-9_.], else (or when too long)
 * cleaned and suffixed with a hash, so distinct names stay distinct. It never contains `-`,
 * so the prefix `modelgate-baseline-<part>-` of one model never matches another's keys.
 */
export function cacheKeyPart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.]/g, '_');
  if (cleaned === text && text.length > 0 && text.length <= MAX_NAME_PART) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return `${cleaned.slice(0, MAX_NAME_PART)}_${hash}`;
}

export function baselineKeyPrefix(name: string): string {
  return `${BASELINE_KEY_PREFIX}${cacheKeyPart(name)}-`;
}

export function baselineKey(name: string, sha: string): string {
  return `${baselineKeyPrefix(name)}${cacheKeyPart(sha)}`.slice(0, MAX_KEY_LENGTH);
}

/**
 * Where a baseline is staged for the cache. Part of the entry's version: a PR run finds the
 * default branch's entry only if its temp dir has the same path (RUNNER_TEMP on hosted runners).
 */
export function baselineFile(tempDir: string, name: string): string {
  return join(resolve(tempDir), 'modelgate-baseline', cacheKeyPart(name), 'metrics.json');
}

/** The runtime's ToolCache over the Actions cache: `dir` is archived and restored at the same path. */
export function createActionsToolCache(logger: Logger, options: ActionsCacheOptions = {}): ToolCache {
  const client = options.client ?? defaultClient;
  const env = options.env ?? process.env;
  return {
    async restore(key, dir) {
      if (!usable(env, 'read', logger, key)) return false;
      try {
        const matched = await client.restoreCache([resolve(dir)], key);
        if (matched === undefined) return false;
        if (matched !== key) logger.debug(`cache key ${key} matched the entry ${matched} by prefix`);
        return true;
      } catch (error) {
        logger.warning(`restoring ${key} from the Actions cache failed: ${oneLine(errorMessage(error))}`);
        return false;
      }
    },
    async save(key, dir) {
      if (!usable(env, 'write', logger, key)) return;
      try {
        const id = await client.saveCache([resolve(dir)], key);
        if (id === -1) logger.info(`${dir} was not saved to the Actions cache as ${key} (the cache's reason is logged above)`);
        else logger.debug(`saved ${dir} to the Actions cache as ${key} (entry ${id})`);
      } catch (error) {
        logger.warning(`saving ${key} to the Actions cache failed: ${oneLine(errorMessage(error))}`);
      }
    },
  };
}

/**
 * Champion metrics in the Actions cache: saved as `modelgate-baseline-<name>-<sha>` (on the
 * default branch), restored as the newest entry with the prefix `modelgate-baseline-<name>-`
 * that the run's scopes can read (a PR reads its base branch's entries). A miss returns
 * undefined without a warning: the caller knows what a missing baseline means.
 */
export function createActionsBaselineStore(logger: Logger, tempDir: string, options: ActionsCacheOptions = {}): ActionsBaselineStore {
  const client = options.client ?? defaultClient;
  const env = options.env ?? process.env;
  return {
    async restore(name, preferSha) {
      const prefix = baselineKeyPrefix(name);
      if (!usable(env, 'read', logger, prefix)) return undefined;
      const file = baselineFile(tempDir, name);
      const forget = removeOnInterrupt(dirname(file));
      try {
        await rm(dirname(file), { recursive: true, force: true });
        const primary = preferSha ? baselineKey(name, preferSha) : prefix;
        const key = await client.restoreCache([file], primary, [prefix]);
        if (key === undefined) {
          logger.debug(`no Actions cache entry matches ${prefix}*`);
          return undefined;
        }
        const text = await readFile(file, 'utf8');
        logger.info(`baseline metrics for '${name}' restored from the Actions cache entry ${key}`);
        return { text, key };
      } catch (error) {
        logger.warning(`restoring the baseline metrics for '${name}' from the Actions cache failed: ${oneLine(errorMessage(error))}`);
        return undefined;
      } finally {
        forget();
        await rm(dirname(file), { recursive: true, force: true }).catch(() => undefined);
      }
    },
    async save(name, sha, metricsJson) {
      const key = baselineKey(name, sha);
      if (!usable(env, 'write', logger, key)) return false;
      const file = baselineFile(tempDir, name);
      const forget = removeOnInterrupt(dirname(file));
      try {
        await rm(dirname(file), { recursive: true, force: true });
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, metricsJson);
        const id = await client.saveCache([file], key);
        // -1 means "an entry with this key exists" (a re-run of the commit) as well as a real
        // failure, and over v1 a failed upload still returns the reserved id: a lookup settles it.
        if (id === -1 || cacheServiceVersion(env) === 'v1') {
          const found = (await client.restoreCache([file], key, [], { lookupOnly: true })) === key;
          if (!found) {
            logger.warning(`the baseline metrics for '${name}' were not saved to the Actions cache as ${key} (the cache's reason is logged above)`);
            return false;
          }
          if (id === -1) {
            logger.info(`the Actions cache already holds baseline metrics for '${name}' at this commit (${key})`);
            return true;
          }
        }
        logger.debug(`saved the baseline metrics for '${name}' as ${key} (entry ${id})`);
        return true;
      } catch (error) {
        logger.warning(`saving the baseline metrics for '${name}' to the Actions cache failed: ${oneLine(errorMessage(error))}`);
        return false;
      } finally {
        forget();
        await rm(dirname(file), { recursive: true, force: true }).catch(() => undefined);
      }
    },
  };
}

function usable(env: NodeJS.ProcessEnv, access: 'read' | 'write', logger: Logger, key: string): boolean {
  if (!isCacheAvailable(env)) {
    logger.debug(`the Actions cache service is not available here; skipping ${key}`);
    return false;
  }
  const mode = cacheMode(env);
  if (!mode[access]) {
    logger.info(`the job's cache mode '${mode.mode}' does not allow cache ${access === 'read' ? 'restores' : 'saves'}; skipping ${key}`);
    return false;
  }
  return true;
}
