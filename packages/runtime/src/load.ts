import { existsSync, readFileSync } from 'node:fs';
// A namespace import on purpose: webpack (ncc) rewrites `createRequire(<not import.meta.url>)`
// from a named import to `undefined` in the bundle; a member call on the namespace survives.
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { errorMessage, oneLine } from '@modelgate/core';
import type { OrtModule } from './types.js';

export const ORT_PACKAGE = 'onnxruntime-node';

export interface PackageInfo {
  dir: string;
  version: string;
}

/** name and version of `<dir>/package.json`, or undefined when it is not there or not JSON. */
export function readPackageJson(dir: string): { name?: string; version?: string; dependencies?: Record<string, string> } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/**
 * The onnxruntime-node package Node would resolve from `dir` (its node_modules, then the
 * parents'), or undefined. Nothing is loaded.
 */
export function findInstalled(dir: string): PackageInfo | undefined {
  const req = nodeModule.createRequire(join(dir, 'noop.js'));
  let packageJson: string;
  try {
    packageJson = req.resolve(`${ORT_PACKAGE}/package.json`);
  } catch {
    try {
      // A future version with an exports map may hide package.json: walk up from its entry.
      let current = dirname(req.resolve(ORT_PACKAGE));
      while (readPackageJson(current)?.name !== ORT_PACKAGE) {
        if (dirname(current) === current) return undefined;
        current = dirname(current);
      }
      packageJson = join(current, 'package.json');
    } catch {
      return undefined;
    }
  }
  const packageDir = dirname(packageJson);
  const info = readPackageJson(packageDir);
  if (info?.name !== ORT_PACKAGE) return undefined;
  return { dir: packageDir, version: info.version ?? 'unknown' };
}

/** `dir` itself when it is the onnxruntime-node package, else `dir/node_modules/onnxruntime-node`. */
export function packageDirIn(dir: string): string | undefined {
  if (readPackageJson(dir)?.name === ORT_PACKAGE) return dir;
  const nested = join(dir, 'node_modules', ORT_PACKAGE);
  if (existsSync(nested) && readPackageJson(nested)?.name === ORT_PACKAGE) return nested;
  return undefined;
}

/**
 * Load the (CommonJS) package in `packageDir` and check it looks like onnxruntime-node.
 * Throws an Error with a one-line message; callers add context.
 */
export function loadOrtPackage(packageDir: string): OrtModule {
  keepOrtTelemetryOff();
  const req = nodeModule.createRequire(join(packageDir, 'package.json'));
  let loaded: unknown;
  try {
    loaded = req(packageDir);
  } catch (error) {
    throw new Error(`loading ${packageDir} failed: ${describeLoadError(error)}`, { cause: error });
  }
  const module = loaded as Partial<OrtModule> | undefined;
  const missing = [
    typeof module?.InferenceSession?.create === 'function' ? undefined : 'InferenceSession.create',
    typeof module?.Tensor === 'function' ? undefined : 'Tensor',
    typeof module?.env === 'object' && module.env !== null ? undefined : 'env',
  ].filter((name) => name !== undefined);
  if (missing.length > 0) throw new Error(`${packageDir} does not look like onnxruntime-node (no ${missing.join(', ')})`);
  return module as OrtModule;
}

/**
 * onnxruntime-node 1.30 reports usage to Microsoft from Linux and macOS too: a device id, the OS, the
 * process path and session events, queued under ~/.cache and uploaded when the network allows, with
 * files left in the temp directory on every run. It stays quiet when a CI variable is set (CI,
 * GITHUB_ACTIONS, GITLAB_CI, …), but not for the CLI on a laptop. A tool run on private models should
 * not report unasked, so it is off unless the user set ORT_DISABLE_TELEMETRY themselves. The library
 * reads the variable once, when it starts: it has to be in the process environment before the first load.
 */
export function keepOrtTelemetryOff(env: NodeJS.ProcessEnv = process.env): void {
  env['ORT_DISABLE_TELEMETRY'] ??= '1';
}

function describeLoadError(error: unknown): string {
  const message = oneLine(errorMessage(error)).replace(/ Require stack: .*$/, '');
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'MODULE_NOT_FOUND' && message.includes('onnxruntime_binding.node')) {
    return `it has no native binding for ${process.platform}-${process.arch} (${message})`;
  }
  return message;
}
