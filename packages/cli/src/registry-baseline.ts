/**
 * `baseline: registry`: the champion's metrics.json, read from the model registry that
 * model-release pushes to (`registry` in modelgate.yml). The release is pulled through the
 * registry package, so every blob is digest-verified against its manifest before we read it.
 *
 * Which release: the `alias` asked for, else `champion` when that alias exists, else
 * `latest`, else the highest version tag. No registry yet, no such alias, or a release
 * without metrics.json → `undefined` plus the reason: the caller warns and skips the
 * baseline gates (the first release of a model has nothing to compare with).
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigurationError, withTempDir } from '@modelgate/core';
import { ANNOTATION, compareVersions, isLoopbackHost, OciLayout, RegistryClient, type Credentials, type Manifest, type PullResult, isReleaseVersionTag } from '@modelgate/registry';

export interface RegistryBaselineOptions {
  /** `dir:<path>` or `oci://host[:port]/repository` (the `registry` of modelgate.yml). */
  to: string;
  /** Tag to read; default `champion` if it exists, else `latest`, else the highest version. */
  alias?: string | undefined;
  /** Credentials for an `oci://` registry, resolved by its host (see registryCredentials). */
  credentialInputs?: RegistryCredentialInputs | undefined;
  /** `owner/repo`, the ghcr.io user name default. */
  repository?: string | undefined;
  /** `dir:` paths resolve against this (default: the current directory). */
  workspace?: string | undefined;
  /** Where the release is pulled to (a temporary directory inside it, removed afterwards). */
  tempDir: string;
  /** For tests of `oci://` registries. */
  fetch?: typeof fetch | undefined;
}

export interface RegistryBaseline {
  /** The released metrics.json, verbatim (parse it with `parseArtifact('metrics', …)`). */
  text: string;
  /** The release's version (its manifest annotation, else the version tag it was found under). */
  version: string;
  /** Manifest digest of the release. */
  digest: string;
  /** The tag it was read through, e.g. `champion`. */
  tag: string;
  /** `dir:<path>:<tag>` / `oci://host/repo:<tag>`, for messages and the report. */
  source: string;
}

interface Source {
  where: string;
  tags(): Promise<string[]>;
  pull(tag: string, dir: string): Promise<PullResult>;
}

/** Opens `to` read-only; `undefined` when it is a directory that does not exist (nothing released yet). */
async function openSource(options: RegistryBaselineOptions): Promise<Source | undefined> {
  const ref = parseRegistryRef(options.to.trim(), 'registry');
  if (ref.kind === 'dir') {
    const absolute = resolve(options.workspace ?? process.cwd(), ref.path);
    try {
      await stat(join(absolute, 'index.json'));
    } catch {
      return undefined;
    }
    const layout = new OciLayout(absolute);
    return { where: `dir:${ref.path}`, tags: () => layout.tags(), pull: (tag, dir) => layout.pull(tag, dir) };
  }
  const client = openRegistryClient(ref, registryCredentials(ref.hostname, options.credentialInputs ?? {}, options.repository), options.fetch);
  return { where: `oci://${ref.registry}/${ref.repository}`, tags: () => client.tags(), pull: (tag, dir) => client.pull(tag, dir) };
}

export type RegistryRef = { kind: 'dir'; path: string } | { kind: 'oci'; registry: string; repository: string; hostname: string };

/**
 * Parses `dir:<path>` or `oci://host[:port]/repository`. Errors name where the value came from:
 * model-release's `to` input (which also accepts `github`, handled by the caller) or modelgate.yml's `registry`.
 */
export function parseRegistryRef(to: string, field: 'to' | 'registry'): RegistryRef {
  const label = field === 'to' ? "input 'to'" : 'registry';
  if (to.startsWith('dir:')) {
    const path = to.slice('dir:'.length);
    if (!path) throw new ConfigurationError(`${label}: dir: needs a path, e.g. dir:./registry`, { field });
    return { kind: 'dir', path };
  }
  const match = /^oci:\/\/([^/\s]+)\/([^\s:@]+)$/.exec(to);
  if (!match) {
    const forms = field === 'to' ? 'dir:<path>, oci://host[:port]/repository or github' : 'dir:<path> or oci://host[:port]/repository';
    throw new ConfigurationError(`${label} must be ${forms}, got '${to}'`, { field });
  }
  const [, registry, repository] = match as unknown as [string, string, string];
  try {
    return { kind: 'oci', registry, repository, hostname: new URL(`http://${registry}`).hostname };
  } catch {
    throw new ConfigurationError(`${label}: '${registry}' is not a registry host`, { field });
  }
}

/** A distribution client for `ref`; loopback registries (CI service containers, tests) speak plain HTTP, anything else needs TLS. */
export function openRegistryClient(ref: Extract<RegistryRef, { kind: 'oci' }>, credentials: Credentials | undefined, fetchImpl?: typeof fetch): RegistryClient {
  return new RegistryClient({
    registry: ref.registry,
    repository: ref.repository,
    credentials,
    // The action inputs and the CLI flags share these names.
    credentialsHint: ref.hostname === 'ghcr.io' ? 'set registry-password, or give github-token the packages permission (read to compare, write to release)' : 'set registry-username and registry-password',
    plainHttp: isLoopbackHost(ref.hostname),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/** The tag to compare against, or undefined when the registry has none of the candidates. */
export function chooseBaselineTag(tags: readonly string[], alias?: string): string | undefined {
  if (alias) return tags.includes(alias) ? alias : undefined;
  for (const candidate of ['champion', 'latest']) if (tags.includes(candidate)) return candidate;
  return tags.filter(isReleaseVersionTag).sort(compareVersions).at(-1);
}

/** The released metrics, or why there are none to compare with (for the caller's warning). */
export async function loadRegistryBaseline(options: RegistryBaselineOptions): Promise<RegistryBaseline | { missing: string }> {
  const skip = (reason: string) => ({ missing: reason });
  const source = await openSource(options);
  if (!source) return skip(`${options.to} does not exist yet (nothing released)`);
  const tags = await source.tags();
  const tag = chooseBaselineTag(tags, options.alias);
  if (!tag) {
    const wanted = options.alias ? `tag '${options.alias}'` : "'champion', 'latest' or a version tag";
    return skip(`${source.where} has no ${wanted}${tags.length ? ` (tags: ${tags.join(', ')})` : ' (no releases)'}`);
  }
  return withTempDir(options.tempDir, 'modelgate-baseline-', async (dir) => {
    // pull() verifies the manifest and every layer against their digests before writing them.
    const pulled = await source.pull(tag, dir);
    const metrics = pulled.files.find((file) => file.title === 'metrics.json');
    if (!metrics) return skip(`${source.where}:${tag} (${pulled.digest}) has no metrics.json`);
    return {
      text: await readFile(metrics.path, 'utf8'),
      version: versionOf(pulled.manifest, tag),
      digest: pulled.digest,
      tag,
      source: `${source.where}:${tag}`,
    };
  });
}

function versionOf(manifest: Manifest, tag: string): string {
  return manifest.annotations?.[ANNOTATION.version] ?? tag;
}

/** The registry inputs every action reading or writing an `oci://` registry takes. */
export interface RegistryCredentialInputs {
  'registry-username'?: string | undefined;
  'registry-password'?: string | undefined;
  /** The ghcr.io password when `registry-password` is empty. */
  'github-token'?: string | undefined;
}

/**
 * Credentials for `hostname` from the inputs. For ghcr.io the password defaults to the
 * github-token and the user to the repository owner (GHCR ignores the name but needs one);
 * elsewhere a password without a user name is a configuration error; no password → anonymous.
 */
export function registryCredentials(hostname: string, inputs: RegistryCredentialInputs, repository?: string): Credentials | undefined {
  const ghcr = hostname === 'ghcr.io';
  // An unevaluated `${{ github.token }}` default never gets here: parseInputs drops it.
  const password = inputs['registry-password'] ?? (ghcr ? inputs['github-token'] : undefined);
  if (!password) return undefined;
  const username = inputs['registry-username'] ?? (ghcr ? (repository?.split('/')[0] ?? 'modelgate') : undefined);
  if (!username) throw new ConfigurationError("input 'registry-username' is required with 'registry-password'", { field: 'registry-username' });
  return { username, password };
}

/** Picks the credential inputs out of an action's inputs (each action declares them with its own wording). */
export function registryCredentialInputs(inputs: RegistryCredentialInputs): RegistryCredentialInputs {
  return { 'registry-username': inputs['registry-username'], 'registry-password': inputs['registry-password'], 'github-token': inputs['github-token'] };
}
