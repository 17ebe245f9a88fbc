import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import {
  ConfigurationError,
  defineAction,
  escapeMarkdownText,
  input,
  InputDataError,
  markdownCode,
  MODEL_NAME_EXPECTED,
  MODEL_NAME_PATTERN,
  parseArtifact,
  sha256Hex,
  type Artifact,
  type ArtifactBody,
  withTempDir,
} from '@modelgate/core';
import { inspectModel, loadModel } from '@modelgate/onnx';
import {
  ANNOTATION,
  buildArtifact,
  compareVersions,
  immutableVersionError,
  lineageEvent,
  parseVersion,
  releaseFiles,
  schemaDigest,
  nextVersion,
  type ArtifactFile,
  type Bump,
  type LineageDataset,
  type Manifest,
  type NextVersion,
  type SignatureLike,
  isReleaseVersionTag,
} from '@modelgate/registry';
import { removeStaleArtifacts, workspacePath, writeArtifact } from '../files.js';
import { holdsPayload } from './release-rerun.js';
import { BUMP_ANNOTATION, githubTarget, openTarget, REASON_ANNOTATION, releaseTagPrefix } from './release-targets.js';
import { registryCredentialInputs } from '../registry-baseline.js';

const run = promisify(execFile);

/** `created` when the commit time cannot be read: fixed, so rebuilds stay byte-identical. */
const FALLBACK_CREATED = '1970-01-01T00:00:00Z';
const DEFAULT_TARGET = 'dir:modelgate-registry';
const BUMPS: readonly Bump[] = ['initial', 'major', 'minor', 'patch', 'explicit', 'prerelease'];

export const modelRelease = defineAction({
  name: 'model-release',
  title: 'modelgate model-release',
  description: 'Version the model and push it with its card, metrics, schema and lineage as an OCI artifact and/or a GitHub Release.',
  branding: { icon: 'package', color: 'gray-dark' },
  inputs: {
    name: input.string({ description: 'Model name (default: `name` in modelgate.yml, else the model file name).' }),
    model: input.string({ description: 'Path of the ONNX model (default: `model` in modelgate.yml).' }),
    to: input.string({
      description: `Where to publish: \`dir:<path>\` (an OCI image layout on disk) or \`oci://host[:port]/repository\` or \`github\` (a GitHub Release \`<name>/v<version>\`; needs \`contents: write\`) (default: \`registry\` in modelgate.yml, else \`${DEFAULT_TARGET}\`).`,
    }),
    version: input.requiredString({
      description: '`auto` (decided from schema, signature and gated metrics against the latest release), `major`, `minor`, `patch`, or an exact version such as `2.0.0`.',
      default: 'auto',
    }),
    metrics: input.string({ description: 'metrics.json to include (default: `modelgate-out/metrics.json` when it exists).' }),
    inspect: input.string({ description: 'inspect.json to include (default: `modelgate-out/inspect.json` when it exists).' }),
    card: input.string({ description: 'Model card to include (default: `modelgate-out/model-card.md` when it exists).' }),
    schema: input.string({ description: 'schema.json to include (default: `schema` in modelgate.yml).' }),
    aliases: input.list({ description: 'Floating tags moved onto the new version, one per line.', default: 'latest' }),
    'tag-prefix': input.string({
      description: 'For `to: github`: the git tag is this prefix plus the version, e.g. `v` for a repository with one model, whose releases then become the repository\'s "Latest" (default: `<name>/v`, so several models can share a repository; their releases leave "Latest" alone).',
    }),
    'registry-username': input.string({ description: 'Registry user name (for ghcr.io: default the repository owner).' }),
    'registry-password': input.string({ description: 'Registry password or token (for ghcr.io: default `github-token`).' }),
    'github-token': input.string({ description: 'Token for `to: github`, and the ghcr.io password when `registry-password` is empty.', default: '${{ github.token }}' }),
    out: input.requiredString({ description: 'Where to write release.json.', default: 'modelgate-out/release.json' }),
  },
  outputs: {
    version: 'The released version, e.g. `1.4.0`.',
    digest: 'Manifest digest of the release (`sha256:…`), e.g. for attestations.',
    ref: 'Reference of the release, e.g. `oci://ghcr.io/acme/income:1.4.0` or `dir:./registry:1.4.0`.',
    bump: '`initial`, `major`, `minor`, `patch`, `explicit` or `prerelease`.',
    unchanged: '`true` when this exact content was already released (a rerun): nothing was pushed.',
    'release-json': 'Path of the written release.json.',
  },
  async run({ inputs, config, environment, logger, setOutput, setSecret, summary }) {
    const out = workspacePath(environment.workspace, inputs.out);
    // A release that fails must not leave an earlier run's release.json naming a version it did not publish.
    await removeStaleArtifacts([{ path: out.absolute, kind: 'release' }]);
    const modelPath = inputs.model ?? config?.model;
    if (!modelPath) throw new ConfigurationError("input 'model' is required (or set `model` in modelgate.yml)", { field: 'model' });
    const version = inputs.version.trim();
    if (!['auto', 'major', 'minor', 'patch'].includes(version)) parseVersion(version, "input 'version'");
    const secrets = [inputs['registry-password'], inputs['github-token']];
    for (const secret of secrets) if (secret) setSecret(secret);
    const to = (inputs.to ?? config?.registry ?? DEFAULT_TARGET).trim();
    const name = inputs.name ?? config?.name ?? basename(modelPath).replace(/\.onnx$/i, '');
    // The name goes into tags and registry paths (modelgate.yml's `name` is checked when the file is read).
    if (!MODEL_NAME_PATTERN.test(name)) {
      const from = inputs.name !== undefined ? "input 'name'" : `the model file name (set \`name\` in modelgate.yml or the name input)`;
      throw new ConfigurationError(`model name '${name}' from ${from}: ${MODEL_NAME_EXPECTED}`, { field: 'name' });
    }
    // Only GitHub Releases are git tags; registry tags are plain versions.
    const tagPrefix = to === 'github' ? releaseTagPrefix(inputs['tag-prefix'], name) : '';
    const target = to === 'github' ? githubTarget(name, tagPrefix, environment, inputs['github-token'], logger) : openTarget(to, environment, registryCredentialInputs(inputs));

    // What goes into the artifact.
    const model = workspacePath(environment.workspace, modelPath);
    const loaded = await loadModel(model.absolute, model.shown);
    const modelSha = sha256Hex(loaded.bytes);
    const signature = signatureOf(loaded.model, model.shown, modelSha, loaded.bytes.byteLength);
    const files: ArtifactFile[] = [{ title: 'model.onnx', content: loaded.bytes }];
    const metrics = await optionalArtifact('metrics', inputs.metrics, 'modelgate-out/metrics.json', environment.workspace, files);
    // inspect.json travels along (validated); the signature is read from the model itself.
    const inspect = await optionalArtifact('inspect', inputs.inspect, 'modelgate-out/inspect.json', environment.workspace, files);
    // Figures of another model (an earlier run's, a sibling's) must not be published as this one's.
    for (const [kind, about] of [['metrics', metrics?.model], ['inspect', inspect?.model]] as const) {
      if (about?.sha256 !== undefined && about.sha256 !== modelSha) {
        throw new ConfigurationError(`${kind}.json describes ${about.path} (sha256 ${about.sha256.slice(0, 12)}…), not the model being released, ${model.shown} (sha256 ${modelSha.slice(0, 12)}…): run it on this model first`, { field: kind });
      }
    }
    const schema = await optionalArtifact('schema', inputs.schema ?? config?.schema, undefined, environment.workspace, files);
    await optionalFile('card', inputs.card, 'modelgate-out/model-card.md', 'model-card.md', environment.workspace, files);
    logger.debug(`releasing ${name} from ${files.map((file) => file.title).join(', ')} to ${to}`);

    // The released versions, newest first, and what the latest one holds.
    const versions = (await target.tags()).filter(isReleaseVersionTag).sort(compareVersions).reverse();
    const latest = versions[0];
    const aliases = inputs.aliases;
    const current = { files, name, to, version, versions };
    // The latest release's manifest serves both the owner check and a rerun of it.
    const latestManifest = latest && target.kind !== 'github' ? await target.manifest(latest) : undefined;
    // One repository holds one model's history: another model's releases would become this one's
    // previous version (a false major bump, a wrong lineage parent) and lose their `latest`.
    if (latestManifest) {
      const owner = latestManifest.manifest.annotations?.[ANNOTATION.title];
      if (owner !== undefined && owner !== name) {
        throw new ConfigurationError(`${target.where} holds the releases of model '${owner}' (latest ${latest}), not '${name}': give each model a repository of its own (e.g. dir:registry/${name}), or, if this is that model renamed, set name: ${owner}`, { field: 'to' });
      }
    }

    // A rerun: the payload is that of an existing release (see holdsPayload) → report it, push nothing.
    const same = version === 'auto' || version === 'major' || version === 'minor' || version === 'patch' ? latest : versions.includes(version) ? version : undefined;
    if (same) {
      const existing = same === latest && latestManifest ? latestManifest : await target.manifest(same);
      // "Unchanged" promises the release is there to pull: a damaged one is not silently accepted.
      const damaged = async (): Promise<InputDataError | undefined> => {
        const missing = await target.missingLayers(same, existing.manifest);
        return missing.length > 0 ? new InputDataError(`${target.where}: release ${same} is damaged (${missing.join(', ')} missing or corrupt); restore it, or remove the tag, before releasing again`) : undefined;
      };
      const held = await holdsPayload(existing.manifest, files, (layer) => target.layer(same, layer)).catch(async (error: unknown) => {
        throw (await damaged()) ?? error;
      });
      if (held) {
        const broken = await damaged();
        if (broken) throw broken;
        if (same === latest) for (const alias of aliases) await target.tag(alias, same);
        const bump = existing.manifest.annotations?.[BUMP_ANNOTATION];
        const decided: NextVersion = {
          version: same,
          bump: BUMPS.includes(bump as Bump) ? (bump as Bump) : 'explicit',
          reason: existing.manifest.annotations?.[REASON_ANNOTATION] ?? `same content as the existing release ${same}`,
        };
        logger.info(`${target.where}: ${same} already holds this ${held === 'identical' ? 'exact content' : 'content (metrics.json differs only in latency measured on this machine)'} (${existing.digest}); nothing pushed`);
        return finish({ ...current, decided, previous: versions.find((v) => compareVersions(v, same) < 0), digest: existing.digest, manifest: existing.manifest, unchanged: true, aliases: same === latest ? aliases : [] });
      }
      if (same === version) throw immutableVersionError(target.where, version, existing.digest, 'different content');
    }

    // The previous release's contract and metrics, read from the target itself.
    let previous: { version: string; digest: string; metrics?: Artifact<'metrics'> | undefined; schema?: Artifact<'schema'> | undefined; signature?: SignatureLike | undefined } | undefined;
    if (latest) {
      previous = await withTempDir(environment.tempDir, 'modelgate-release-', async (dir) => {
        const pulled = await target.pull(latest, dir);
        const titles = new Set(pulled.files.map((file) => file.title));
        const read = async <K extends 'metrics' | 'schema'>(kind: K): Promise<Artifact<K> | undefined> => {
          if (!titles.has(`${kind}.json`)) return undefined;
          try {
            return parseArtifact(kind, await readFile(join(dir, `${kind}.json`), 'utf8'), `${target.where}:${latest}/${kind}.json`);
          } catch (error) {
            logger.warning(`previous release ${latest}: ${(error as Error).message}; not compared`);
            return undefined;
          }
        };
        let previousSignature: SignatureLike | undefined;
        if (titles.has('model.onnx')) {
          const prior = await loadModel(join(dir, 'model.onnx'), `${target.where}:${latest}/model.onnx`).catch(() => undefined);
          if (prior) previousSignature = signatureOf(prior.model, 'model.onnx', sha256Hex(prior.bytes), prior.bytes.byteLength);
        }
        return { version: latest, digest: pulled.digest, metrics: await read('metrics'), schema: await read('schema'), signature: previousSignature };
      });
    }

    const decided = nextVersion({
      previous: previous ? { version: previous.version, metrics: previous.metrics, schema: previous.schema, signature: previous.signature } : undefined,
      current: { metrics, schema, signature },
      ...(version !== 'auto' ? { override: version } : {}),
    });

    // Lineage and the artifact: every fact comes from the inputs and the commit, none from the clock.
    const commit = environment.sha ?? (await git(environment.workspace, ['rev-parse', 'HEAD']));
    const created = utc(await git(environment.workspace, ['log', '-1', '--format=%cI', commit ?? 'HEAD'])) ?? FALLBACK_CREATED;
    const repoUrl = environment.repository ? `${environment.serverUrl}/${environment.repository}` : undefined;
    const runUrl = repoUrl && environment.runId ? `${repoUrl}/actions/runs/${environment.runId}` : undefined;
    const lineage = lineageEvent({
      eventTime: created,
      job: { namespace: environment.repository ? `github://${environment.repository}` : 'modelgate', name: `${name}.release` },
      git: { commit: commit ?? 'unknown', repoUrl },
      workflowRunUrl: runUrl,
      dataNamespace: repoUrl,
      data: datasets(metrics, schema),
      schema: schema ? { digest: schemaDigest(schema), columns: schema.columns } : undefined,
      model: {
        namespace: target.where,
        name,
        version: decided.version,
        sha256: modelSha,
        parent: previous ? { version: previous.version, manifestDigest: previous.digest } : undefined,
      },
    });
    files.push({ title: 'lineage.json', content: new TextEncoder().encode(`${JSON.stringify(lineage, null, 2)}\n`) });
    const artifact = buildArtifact({
      files,
      version: decided.version,
      revision: commit,
      source: repoUrl,
      created,
      annotations: { [ANNOTATION.title]: name, [BUMP_ANNOTATION]: decided.bump, [REASON_ANNOTATION]: decided.reason },
    });
    const pushed = await target.push(artifact, { tag: decided.version, aliases });
    logger.info(
      pushed.unchanged
        ? `${target.where}: ${decided.version} already holds this exact manifest (${pushed.digest}); nothing pushed`
        : `${target.where}: pushed ${decided.version} (${pushed.digest}, ${pushed.blobsWritten} blobs, ${pushed.bytesWritten} bytes new)`,
    );
    return finish({ ...current, decided, previous: previous?.version, digest: pushed.digest, manifest: artifact.manifest, unchanged: pushed.unchanged, aliases });

    async function finish(result: { decided: NextVersion; previous: string | undefined; digest: string; manifest: Manifest; unchanged: boolean; aliases: string[] }): Promise<undefined> {
      const ref = target.kind === 'github' ? `${target.where}@${tagPrefix}${result.decided.version}` : `${to}:${result.decided.version}`;
      const listed = releaseFiles(result.manifest);
      // ReleaseFile's `version` is the model's semver (it replaces the envelope's format version,
      // which ArtifactBody omits), hence the widening cast.
      const body = {
        name,
        version: result.decided.version,
        ...(result.previous ? { previous_version: result.previous } : {}),
        bump: result.decided.bump,
        bump_reason: result.decided.reason,
        artifact_type: result.manifest.artifactType,
        manifest_digest: result.digest,
        files: listed,
        refs: [{ kind: target.kind, ref }],
        aliases: result.aliases,
        unchanged: result.unchanged,
      };
      await writeArtifact(out.absolute, 'release', body as ArtifactBody<'release'>);
      setOutput('version', result.decided.version);
      setOutput('digest', result.digest);
      setOutput('ref', ref);
      setOutput('bump', result.decided.bump);
      setOutput('unchanged', result.unchanged);
      setOutput('release-json', out.shown);
      summary.push(renderSummary({ name, ref, digest: result.digest, decided: result.decided, previous: result.previous, unchanged: result.unchanged, files: listed }));
      return undefined;
    }
  },
});

function signatureOf(model: Parameters<typeof inspectModel>[0], path: string, sha256: string, bytes: number): SignatureLike {
  const figures = inspectModel(model, { path, sha256, fileBytes: bytes, externalBytes: 0 });
  return { inputs: figures.inputs, outputs: figures.outputs };
}

/** A modelgate artifact file: required when named explicitly, skipped when the default is absent. */
async function optionalArtifact<K extends 'metrics' | 'inspect' | 'schema'>(
  kind: K,
  explicit: string | undefined,
  fallback: string | undefined,
  workspace: string,
  files: ArtifactFile[],
): Promise<Artifact<K> | undefined> {
  const bytes = await optionalFile(kind, explicit, fallback, `${kind}.json`, workspace, files);
  if (!bytes) return undefined;
  const path = workspacePath(workspace, (explicit ?? fallback)!).shown;
  return parseArtifact(kind, new TextDecoder().decode(bytes), path);
}

async function optionalFile(field: string, explicit: string | undefined, fallback: string | undefined, title: string, workspace: string, files: ArtifactFile[]): Promise<Uint8Array | undefined> {
  const chosen = explicit ?? fallback;
  if (!chosen) return undefined;
  const path = workspacePath(workspace, chosen);
  let content: Uint8Array;
  try {
    content = await readFile(path.absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicit === undefined) return undefined;
    if (code === 'ENOENT') throw new ConfigurationError(`${field} file '${path.shown}' does not exist`, { field });
    throw new InputDataError(`cannot read (${code ?? (error as Error).message})`, { file: path.shown });
  }
  files.push({ title, content });
  return content;
}

/** Data the model was evaluated (metrics.json) and trained (schema.json source) on, with their hashes. */
function datasets(metrics: Artifact<'metrics'> | undefined, schema: Artifact<'schema'> | undefined): LineageDataset[] {
  const found = new Map<string, LineageDataset>();
  const refs = [...(metrics ? [metrics.data] : []), ...(schema?.source?.files ?? [])];
  for (const ref of refs) if (ref.sha256 && !found.has(ref.path)) found.set(ref.path, { name: ref.path, sha256: ref.sha256, bytes: ref.bytes });
  return [...found.values()];
}

/** Commit time in UTC (`2024-05-01T12:00:00Z`), whatever the committer's time zone. */
function utc(time: string | undefined): string | undefined {
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, encoding: 'utf8' });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

function renderSummary(release: {
  name: string;
  ref: string;
  digest: string;
  decided: NextVersion;
  previous: string | undefined;
  unchanged: boolean;
  files: ReturnType<typeof releaseFiles>;
}): string {
  const { decided } = release;
  const rows = [
    ['version', `${markdownCode(decided.version)}${release.previous ? ` (previous ${markdownCode(release.previous)})` : ''}`],
    ['bump', `${decided.bump}: ${escapeMarkdownText(decided.reason)}`],
    ['reference', markdownCode(release.ref)],
    ['digest', markdownCode(release.digest)],
    ['files', release.files.map((file) => `${markdownCode(file.title)} (${file.size} B)`).join(', ')],
  ];
  const title = release.unchanged
    ? `### ✅ ${markdownCode(release.name)} ${markdownCode(decided.version)} already released (unchanged)`
    : `### 📦 Released ${markdownCode(release.name)} ${markdownCode(decided.version)}`;
  return `${title}\n\n| | |\n|---|---|\n${rows.map(([key, value]) => `| ${key} | ${value!.replace(/\|/g, '\\|')} |`).join('\n')}\n`;
}
