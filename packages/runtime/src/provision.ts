import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigurationError, errorMessage, isUserError, oneLine, removeOnInterrupt, type Logger } from '@modelgate/core';
import { downloadVerified } from './download.js';
import { commitStagingDir, extractPackage, makeStagingDir, readMarker, removeDir, runtimeFileFilter, writeMarker } from './install.js';
import { findInstalled, loadOrtPackage, ORT_PACKAGE, packageDirIn, readPackageJson } from './load.js';
import { RuntimeUnavailableError, type OrtModule, type ToolCache } from './types.js';

/** The onnxruntime-node release modelgate provisions (and whose API it is written against). */
export const ORT_VERSION = '1.30.0';
/** The exact onnxruntime-common that onnxruntime-node@1.30.0 depends on (its package.json). */
export const ORT_COMMON_VERSION = '1.30.0';

/**
 * sha512 of the registry tarballs, from `npm view onnxruntime-node@1.30.0 dist.integrity` and
 * `npm view onnxruntime-common@1.30.0 dist.integrity` (registry.npmjs.org), and checked against
 * `npm pack` of both. A download that hashes differently is refused.
 */
export const ORT_INTEGRITY: Readonly<Record<'onnxruntime-node' | 'onnxruntime-common', string>> = {
  'onnxruntime-node': 'sha512-twhs1C2C/BFkz1yc5OY0KIU2GUq6DURO7hD4bx5Q2Qy3nAMJwRXW8xU3NVczE29VA9lolLOYepoD8fjTGOfIqw==',
  'onnxruntime-common': 'sha512-7fdVWjAID1dVhH/G8qK3APARunV4VkBFoCQAP7qp4Wkab0mrorvmc+sqiT+mKXOzDqdjN5j+/Z9nb4gzNPWcyA==',
};

/** `<platform>-<arch>` directories under bin/napi-v6/ in the 1.30.0 tarball (no darwin-x64). */
export const ORT_PLATFORMS: readonly string[] = ['darwin-arm64', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64'];

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org';

const OFFLINE_HINT = `Without access to the npm registry, install onnxruntime-node@${ORT_VERSION} in the workspace or set the ort-path input to a directory holding it.`;

export type ProvisionSource = 'ort-path' | 'installed' | 'cache' | 'download';

export interface ProvisionOptions {
  /** Directory holding an onnxruntime-node package (or a node_modules with one); used as-is. */
  ortPath?: string;
  /** Directories to resolve an installed onnxruntime-node from (cwd, the bundle's dir, GITHUB_WORKSPACE). */
  searchFrom?: string[];
  /** Where a provisioned copy lives, e.g. ortCacheDir(RUNNER_TOOL_CACHE). */
  cacheDir: string;
  toolCache?: ToolCache;
  /** npm registry base URL (default https://registry.npmjs.org). */
  registry?: string;
  fetch?: typeof fetch;
  logger: Logger;
  platform?: NodeJS.Platform;
  arch?: string;
  /** Tests only: expected tarball integrity instead of ORT_INTEGRITY. */
  integrity?: Partial<Record<'onnxruntime-node' | 'onnxruntime-common', string>>;
  /** Tests only: pause between download attempts (default 2 s × attempt). */
  retryDelayMs?: number;
}

export interface ProvisionedRuntime {
  ort: OrtModule;
  source: ProvisionSource;
  /** The onnxruntime-node package directory that was loaded. */
  dir: string;
  version: string;
}

/** Key of the provisioned copy in a cross-job cache. */
export function ortCacheKey(platform: string = process.platform, arch: string = process.arch): string {
  return `modelgate-onnxruntime-${ORT_VERSION}-${platform}-${arch}`;
}

/** Conventional cacheDir under a tool-cache root (RUNNER_TOOL_CACHE, or a user cache dir). */
export function ortCacheDir(root: string, platform: string = process.platform, arch: string = process.arch): string {
  return join(root, 'modelgate-onnxruntime', ORT_VERSION, `${platform}-${arch}`);
}

export function tarballUrl(registry: string, name: string, version: string): string {
  return `${registry.replace(/\/+$/, '')}/${name}/-/${name}-${version}.tgz`;
}

/**
 * Find or fetch onnxruntime-node and load it (ARCHITECTURE §2): an explicit ort-path; an
 * installed package resolvable from `searchFrom`; the cache directory (populated, or restored
 * from `toolCache`); else the pinned tarballs from the registry, integrity-checked and
 * unpacked without running any install script.
 */
export async function provisionOnnxRuntime(options: ProvisionOptions): Promise<ProvisionedRuntime> {
  const { logger } = options;
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;

  if (options.ortPath !== undefined) return fromOrtPath(options.ortPath, logger);

  for (const dir of new Set((options.searchFrom ?? []).map((entry) => resolve(entry)))) {
    if (!existsSync(dir)) continue;
    const installed = findInstalled(dir);
    if (!installed) continue;
    try {
      const ort = loadOrtPackage(installed.dir);
      logger.debug(`onnxruntime-node ${installed.version}: using the installed package at ${installed.dir}`);
      if (installed.version !== ORT_VERSION) logger.info(`(modelgate is tested with onnxruntime-node ${ORT_VERSION})`);
      return { ort, source: 'installed', dir: installed.dir, version: installed.version };
    } catch (error) {
      logger.warning(`ignoring the onnxruntime-node installed at ${installed.dir}: ${oneLine(errorMessage(error))}`);
    }
  }

  const cacheDir = resolve(options.cacheDir);
  const fromCache = await loadCacheDir(cacheDir, platform, arch, logger, 'cache directory');
  if (fromCache) return fromCache;

  const key = ortCacheKey(platform, arch);
  if (options.toolCache) {
    let restored = false;
    try {
      restored = await options.toolCache.restore(key, cacheDir);
    } catch (error) {
      logger.warning(`restoring onnxruntime-node from the cache (${key}) failed: ${oneLine(errorMessage(error))}; downloading it instead`);
    }
    if (restored) {
      const fromToolCache = await loadCacheDir(cacheDir, platform, arch, logger, `cache entry ${key}`);
      if (fromToolCache) return fromToolCache;
    } else {
      logger.debug(`no cache entry ${key}`);
    }
  }

  await download(cacheDir, platform, arch, options);
  const packageDir = join(cacheDir, 'node_modules', ORT_PACKAGE);
  let ort: OrtModule;
  try {
    ort = loadOrtPackage(packageDir);
  } catch (error) {
    throw new RuntimeUnavailableError(`onnxruntime-node ${ORT_VERSION} was downloaded to ${cacheDir} but does not load: ${oneLine(errorMessage(error))}`);
  }
  if (options.toolCache) {
    try {
      await options.toolCache.save(key, cacheDir);
      logger.debug(`saved ${cacheDir} to the cache as ${key}`);
    } catch (error) {
      logger.warning(`saving onnxruntime-node to the cache (${key}) failed: ${oneLine(errorMessage(error))}; the next run downloads it again`);
    }
  }
  return { ort, source: 'download', dir: packageDir, version: ORT_VERSION };
}

function fromOrtPath(ortPath: string, logger: Logger): ProvisionedRuntime {
  const dir = resolve(ortPath);
  const where = { field: 'ort-path' };
  if (!existsSync(dir)) throw new ConfigurationError(`ort-path '${ortPath}' does not exist`, where);
  const packageDir = packageDirIn(dir);
  if (!packageDir) {
    throw new ConfigurationError(
      `ort-path '${ortPath}' holds no onnxruntime-node package (expected its package.json there or in node_modules/onnxruntime-node)`,
      where,
    );
  }
  let ort: OrtModule;
  try {
    ort = loadOrtPackage(packageDir);
  } catch (error) {
    throw new ConfigurationError(`ort-path '${ortPath}': onnxruntime-node cannot be used: ${oneLine(errorMessage(error))}`, where);
  }
  const version = readPackageJson(packageDir)?.version ?? 'unknown';
  logger.info(`onnxruntime-node ${version}: using ort-path ${packageDir}`);
  if (version !== ORT_VERSION) logger.info(`(modelgate is tested with onnxruntime-node ${ORT_VERSION})`);
  return { ort, source: 'ort-path', dir: packageDir, version };
}

/** Load a populated cache directory; an unusable one is removed (with a warning) and undefined returned. */
async function loadCacheDir(cacheDir: string, platform: string, arch: string, logger: Logger, what: string): Promise<ProvisionedRuntime | undefined> {
  if (!existsSync(cacheDir)) return undefined;
  const marker = await readMarker(cacheDir);
  let problem: string;
  if (!marker) problem = 'it is incomplete (no marker file)';
  else if (marker.version !== ORT_VERSION || marker.platform !== platform || marker.arch !== arch) {
    problem = `it holds onnxruntime-node ${marker.version} for ${marker.platform}-${marker.arch}, not ${ORT_VERSION} for ${platform}-${arch}`;
  } else {
    const packageDir = join(cacheDir, 'node_modules', ORT_PACKAGE);
    try {
      const ort = loadOrtPackage(packageDir);
      logger.debug(`onnxruntime-node ${ORT_VERSION}: using the ${what} ${cacheDir}`);
      return { ort, source: 'cache', dir: packageDir, version: ORT_VERSION };
    } catch (error) {
      problem = `it does not load (${oneLine(errorMessage(error))})`;
    }
  }
  logger.warning(`discarding the onnxruntime-node ${what} ${cacheDir}: ${problem}`);
  await removeDir(cacheDir);
  return undefined;
}

async function download(cacheDir: string, platform: string, arch: string, options: ProvisionOptions): Promise<void> {
  const { logger } = options;
  if (!ORT_PLATFORMS.includes(`${platform}-${arch}`)) {
    throw new RuntimeUnavailableError(
      `onnxruntime-node ${ORT_VERSION} has no prebuilt binaries for ${platform}-${arch} (it ships ${ORT_PLATFORMS.join(', ')}); set the ort-path input to a build for this machine`,
    );
  }
  const registry = options.registry ?? DEFAULT_REGISTRY;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const started = Date.now();
  let staging: string;
  try {
    staging = await makeStagingDir(cacheDir);
  } catch (error) {
    throw new RuntimeUnavailableError(`cannot create the onnxruntime cache directory beside ${cacheDir}: ${oneLine(errorMessage(error))}`);
  }
  // An interrupted download leaves no half-filled staging directory in the cache.
  const forget = removeOnInterrupt(staging);
  try {
    const downloads = join(staging, '.download');
    await mkdir(downloads);
    const packages = [
      { name: ORT_PACKAGE, version: ORT_VERSION },
      { name: 'onnxruntime-common', version: ORT_COMMON_VERSION },
    ] as const;
    logger.info(`onnxruntime-node ${ORT_VERSION}: downloading it for ${platform}-${arch} from ${registry}`);
    const settled = await Promise.allSettled(
      packages.map((entry) =>
        downloadVerified({
          url: tarballUrl(registry, entry.name, entry.version),
          dest: join(downloads, `${entry.name}.tgz`),
          integrity: options.integrity?.[entry.name] ?? ORT_INTEGRITY[entry.name],
          fetch: fetchImpl,
          logger,
          hint: OFFLINE_HINT,
          ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
        }),
      ),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const downloaded = settled.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value.bytes : 0), 0);
    const downloadSeconds = seconds(started);
    const unpackStarted = Date.now();

    const keep = runtimeFileFilter(platform, arch);
    let files = 0;
    let bytes = 0;
    for (const entry of packages) {
      const tgz = join(downloads, `${entry.name}.tgz`);
      const dest = join(staging, 'node_modules', entry.name);
      let result;
      try {
        result = await extractPackage(tgz, dest, keep);
      } catch (error) {
        throw new RuntimeUnavailableError(`${tarballUrl(registry, entry.name, entry.version)} is not a valid package tarball: ${oneLine(errorMessage(error))}`);
      }
      const manifest = readPackageJson(dest);
      if (manifest?.name !== entry.name || manifest.version !== entry.version) {
        throw new RuntimeUnavailableError(`${tarballUrl(registry, entry.name, entry.version)} does not contain ${entry.name}@${entry.version}`);
      }
      if (entry.name === ORT_PACKAGE) {
        if (result.binaries.length === 0) {
          const shipped = [...result.binaryPlatforms].sort().join(', ') || 'none';
          throw new RuntimeUnavailableError(`onnxruntime-node ${ORT_VERSION} has no binaries for ${platform}-${arch} (it ships ${shipped}); set the ort-path input to a build for this machine`);
        }
        const wanted = manifest.dependencies?.['onnxruntime-common'];
        if (wanted !== ORT_COMMON_VERSION) {
          throw new RuntimeUnavailableError(`onnxruntime-node ${ORT_VERSION} depends on onnxruntime-common ${wanted ?? '(none)'}, expected ${ORT_COMMON_VERSION}`);
        }
      }
      files += result.files;
      bytes += result.bytes;
    }
    await rm(downloads, { recursive: true, force: true });
    const integrity = Object.fromEntries(packages.map((entry) => [entry.name, options.integrity?.[entry.name] ?? ORT_INTEGRITY[entry.name]]));
    await writeMarker(staging, { name: ORT_PACKAGE, version: ORT_VERSION, platform, arch, integrity, files, bytes });
    if (!(await commitStagingDir(staging, cacheDir))) logger.debug(`another process provisioned ${cacheDir} first; using its copy`);
    logger.info(
      `onnxruntime-node ${ORT_VERSION}: ${mb(downloaded)} downloaded in ${downloadSeconds}, ${files} files (${mb(bytes)}) unpacked in ${seconds(unpackStarted)} to ${cacheDir}`,
    );
  } catch (error) {
    await removeDir(staging);
    if (isUserError(error)) throw error;
    throw new RuntimeUnavailableError(`installing onnxruntime-node ${ORT_VERSION} into ${cacheDir} failed: ${oneLine(errorMessage(error))}`, undefined, { cause: error });
  } finally {
    forget();
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
