/**
 * The fork-safe two-stage `model-report` (docs/fork-safe-workflow.md).
 *
 * - `collect` (the untrusted `pull_request` run, read-only token): validate modelgate's output
 *   files, copy them with canonical names plus a `pr.json` into a staging directory and upload
 *   that as a workflow artifact.
 * - `publish` (the trusted `workflow_run` run, write token): download that artifact through the
 *   REST API and treat every byte as hostile: a small allow-list of names, size caps before and
 *   after inflating, no traversal, every file validated as a modelgate artifact, and the PR to
 *   comment on verified against GitHub's own workflow_run payload, never taken from pr.json alone.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import '@modelgate/core/zod-setup';
import { InputDataError, parseArtifact, removeOnInterrupt, type Artifact } from '@modelgate/core';
import type { GitHubClient } from '@modelgate/github';

export const DEFAULT_ARTIFACT_NAME = 'modelgate-report';
/** Cap for the zip download and, separately, for the sum of the inflated files. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const PR_FILE = 'pr.json';
export const REPORT_FILES = { metrics: 'metrics.json', validation: 'validation.json', drift: 'drift.json', inspect: 'inspect.json' } as const;
export type ReportKind = keyof typeof REPORT_FILES;
const KINDS = Object.keys(REPORT_FILES) as ReportKind[];
const MAX_ENTRIES = 16;

export interface ReportPullRequest {
  number: number;
  headSha: string;
  /** `owner/repo` of the repository the PR targets. */
  baseRepo: string;
}

export interface ReportArtifacts {
  metrics: Artifact<'metrics'>;
  validation?: Artifact<'validation'>;
  drift?: Artifact<'drift'>;
  inspect?: Artifact<'inspect'>;
}

const PrFile = z.strictObject({
  kind: z.literal('modelgate-pr'),
  version: z.literal(1),
  number: z.number().int().positive(),
  head_sha: z.string().regex(/^[0-9a-f]{40}$/),
  base_repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
});

// ---------------------------------------------------------------------------------------------
// collect

/** Upload callback; `files` are absolute paths inside `rootDirectory`. */
export type UploadFn = (name: string, files: string[], rootDirectory: string) => Promise<void>;

export interface PrepareUploadOptions {
  /** Report files by kind; `metrics` is required, the others are included when given. */
  files: Partial<Record<ReportKind, string>>;
  pr: ReportPullRequest;
  /** Staging directory that does not exist yet (e.g. `$RUNNER_TEMP/modelgate-report-<run>`); collectReport removes it. */
  directory: string;
}

/** Validate the files (a broken file fails the PR run, not the publish run) and stage them. */
export async function prepareUpload(options: PrepareUploadOptions): Promise<{ directory: string; files: string[] }> {
  const { files, pr, directory } = options;
  if (!files.metrics) throw new InputDataError('collect needs metrics.json', { field: 'metrics' });
  const unknown = Object.keys(files).filter((key) => !(KINDS as string[]).includes(key));
  if (unknown.length) throw new InputDataError(`not a report file kind: ${unknown.join(', ')}`);
  const prJson = PrFile.parse({ kind: 'modelgate-pr', version: 1, number: pr.number, head_sha: pr.headSha, base_repo: pr.baseRepo });
  await mkdir(directory, { recursive: true });
  const staged: string[] = [];
  for (const kind of KINDS) {
    const source = files[kind];
    if (!source) continue;
    parseArtifact(kind, await readFile(source, 'utf8'), source);
    const target = join(directory, REPORT_FILES[kind]);
    await copyFile(source, target);
    staged.push(target);
  }
  const prPath = join(directory, PR_FILE);
  await writeFile(prPath, `${JSON.stringify(prJson, null, 2)}\n`);
  staged.push(prPath);
  return { directory, files: staged };
}

export interface CollectReportOptions extends PrepareUploadOptions {
  /** Default `modelgate-report`. */
  name?: string;
  /** Default: `uploadWithActionsArtifact`. */
  upload?: UploadFn;
}

export async function collectReport(options: CollectReportOptions): Promise<{ name: string; files: string[] }> {
  const name = options.name ?? DEFAULT_ARTIFACT_NAME;
  const forget = removeOnInterrupt(options.directory);
  try {
    const prepared = await prepareUpload(options);
    await (options.upload ?? uploadWithActionsArtifact())(name, prepared.files, prepared.directory);
    return { name, files: prepared.files.map((file) => file.slice(prepared.directory.length + 1)) };
  } finally {
    // The staged copies were only for the upload.
    forget();
    await rm(options.directory, { recursive: true, force: true });
  }
}

/** The real upload, through the Actions results service. Imported lazily: it is large. */
export function uploadWithActionsArtifact(options: { retentionDays?: number } = {}): UploadFn {
  return async (name, files, rootDirectory) => {
    const { DefaultArtifactClient } = await import('@actions/artifact');
    await new DefaultArtifactClient().uploadArtifact(name, files, rootDirectory, options.retentionDays ? { retentionDays: options.retentionDays } : {});
  };
}

// ---------------------------------------------------------------------------------------------
// publish

/** The fields of `github.event.workflow_run` this uses (the trusted side of the comparison). */
export interface WorkflowRunPayload {
  id: number;
  head_sha: string;
  event?: string;
  head_repository?: { full_name?: string } | null;
  pull_requests?: Array<{ number: number; head?: { sha?: string } }> | null;
}

export interface FetchReportOptions {
  client: GitHubClient;
  /** The base repository: where the workflow_run workflow runs. */
  owner: string;
  repo: string;
  /** Must equal `workflowRunPayload.id`; default that. */
  runId?: number;
  artifactName?: string;
  workflowRunPayload: WorkflowRunPayload;
  maxBytes?: number;
}

export interface FetchedReport {
  pr: { number: number; headSha: string };
  artifacts: ReportArtifacts;
}

export async function fetchReport(options: FetchReportOptions): Promise<FetchedReport> {
  const { client, owner, repo, workflowRunPayload: run } = options;
  const name = options.artifactName ?? DEFAULT_ARTIFACT_NAME;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const runId = options.runId ?? run.id;
  if (runId !== run.id) throw new InputDataError(`run ${runId} is not the workflow_run that triggered this workflow (${run.id})`);
  if (run.event !== undefined && run.event !== 'pull_request') {
    throw new InputDataError(`the triggering run was a \`${run.event}\` run, not \`pull_request\`: there is no pull request to report on`);
  }

  const listed = await client.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: runId, name, per_page: 100 });
  const artifact = listed.data.artifacts.find((candidate) => candidate.name === name && !candidate.expired);
  if (!artifact) throw new InputDataError(`run ${runId} has no (unexpired) artifact named '${name}': did its model-report step run with mode: collect?`);
  if (artifact.workflow_run?.id !== undefined && artifact.workflow_run.id !== runId) throw new InputDataError(`artifact '${name}' belongs to run ${artifact.workflow_run.id}, not ${runId}`);
  if (artifact.size_in_bytes > maxBytes) throw new InputDataError(`artifact '${name}' is ${artifact.size_in_bytes} bytes, over the limit of ${maxBytes}`);

  const download = await client.rest.actions.downloadArtifact({ owner, repo, artifact_id: artifact.id, archive_format: 'zip' });
  const zip = Buffer.from(download.data as ArrayBuffer);
  if (zip.length > maxBytes) throw new InputDataError(`artifact '${name}' is ${zip.length} bytes, over the limit of ${maxBytes}`);
  const entries = readZip(zip, { maxBytes, maxEntries: MAX_ENTRIES, name });

  for (const file of entries.keys()) {
    if (file !== PR_FILE && !Object.values(REPORT_FILES).includes(file as never)) {
      throw new InputDataError(`unexpected file in artifact '${name}': only ${[...Object.values(REPORT_FILES), PR_FILE].join(', ')} are accepted`, { file: `${name}/${file}` });
    }
  }
  const text = (file: string) => {
    const bytes = entries.get(file);
    if (!bytes) return undefined;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InputDataError('not valid UTF-8', { file: `${name}/${file}` });
    }
  };
  const read = <K extends ReportKind>(kind: K): Artifact<K> | undefined => {
    const content = text(REPORT_FILES[kind]);
    return content === undefined ? undefined : parseArtifact(kind, content, `${name}/${REPORT_FILES[kind]}`);
  };
  const metrics = read('metrics');
  if (!metrics) throw new InputDataError(`artifact '${name}' has no metrics.json`);
  const artifacts: ReportArtifacts = { metrics };
  for (const kind of ['validation', 'drift', 'inspect'] as const) {
    const value = read(kind);
    if (value) Object.assign(artifacts, { [kind]: value });
  }

  const prText = text(PR_FILE);
  if (prText === undefined) throw new InputDataError(`artifact '${name}' has no ${PR_FILE}`);
  let prJson: z.output<typeof PrFile>;
  try {
    prJson = PrFile.parse(JSON.parse(prText));
  } catch (error) {
    throw new InputDataError(`not a modelgate pr.json: ${(error as Error).message.split('\n')[0]}`, { file: `${name}/${PR_FILE}` });
  }
  await verifyPullRequest(client, owner, repo, run, prJson);
  return { pr: { number: prJson.number, headSha: run.head_sha }, artifacts };
}

/**
 * pr.json is written by PR code, so it is only a claim. It is accepted when GitHub agrees:
 * the run's own head sha and base repository match, and the PR is in the run's
 * `pull_requests` list. That list is empty for PRs from forks (GitHub fills it only when the
 * head branch is in the base repository), so then the PR is fetched and its head must be the
 * run's head commit (and head repository).
 */
async function verifyPullRequest(client: GitHubClient, owner: string, repo: string, run: WorkflowRunPayload, claim: z.output<typeof PrFile>): Promise<void> {
  const refuse = (why: string) => {
    throw new InputDataError(`refusing to publish: ${why}`, { file: PR_FILE });
  };
  if (claim.base_repo.toLowerCase() !== `${owner}/${repo}`.toLowerCase()) refuse(`pr.json names base repository ${claim.base_repo}, this is ${owner}/${repo}`);
  if (claim.head_sha !== run.head_sha) refuse(`pr.json names head ${claim.head_sha}, the triggering run built ${run.head_sha}`);
  const listed = run.pull_requests ?? [];
  if (listed.length > 0) {
    const match = listed.find((pr) => pr.number === claim.number);
    if (!match) refuse(`PR #${claim.number} is not among the triggering run's pull requests (${listed.map((pr) => `#${pr.number}`).join(', ')})`);
    if (match?.head?.sha && match.head.sha !== run.head_sha) refuse(`PR #${claim.number} is at ${match.head.sha}, the triggering run built ${run.head_sha}`);
    return;
  }
  let pr: { head: { sha: string; repo: { full_name: string } | null }; base: { repo: { full_name: string } } };
  try {
    pr = (await client.rest.pulls.get({ owner, repo, pull_number: claim.number })).data;
  } catch (error) {
    if ((error as { status?: number }).status === 404) refuse(`PR #${claim.number} does not exist in ${owner}/${repo}`);
    throw error;
  }
  if (pr!.head.sha !== run.head_sha) refuse(`PR #${claim.number} is at ${pr!.head.sha}, the triggering run built ${run.head_sha}`);
  const headRepo = run.head_repository?.full_name;
  if (headRepo && pr!.head.repo?.full_name.toLowerCase() !== headRepo.toLowerCase()) refuse(`PR #${claim.number} comes from ${pr!.head.repo?.full_name ?? 'a deleted repository'}, the triggering run from ${headRepo}`);
}

// ---------------------------------------------------------------------------------------------
// zip

/**
 * Reads a zip from the central directory. Accepts stored and deflated files at the archive
 * root only; refuses encryption, zip64, multi-disk archives, traversal or absolute names,
 * duplicates, symlinks, more than `maxEntries` files, sizes that disagree with the data, bad
 * CRCs, and more than `maxBytes` inflated in total (checked before and while inflating).
 */
export function readZip(zip: Buffer, limits: { maxBytes: number; maxEntries: number; name?: string }): Map<string, Buffer> {
  const label = limits.name ?? 'zip';
  const fail = (why: string, file?: string): never => {
    throw new InputDataError(`artifact '${label}': ${why}`, file ? { file: `${label}/${file}` } : undefined);
  };
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('not a zip file');
  const disk = zip.readUInt16LE(eocd + 4);
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (disk !== 0 || zip.readUInt16LE(eocd + 8) !== count) fail('multi-disk zip archives are not supported');
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) fail('zip64 archives are not supported');
  if (count > limits.maxEntries) fail(`${count} entries, over the limit of ${limits.maxEntries}`);
  if (cdOffset + cdSize > eocd) fail('corrupt central directory');

  const out = new Map<string, Buffer>();
  let total = 0;
  let at = cdOffset;
  for (let index = 0; index < count; index++) {
    if (at + 46 > eocd || zip.readUInt32LE(at) !== 0x02014b50) fail('corrupt central directory');
    const madeBy = zip.readUInt16LE(at + 4) >> 8;
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const externalAttributes = zip.readUInt32LE(at + 38);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at = next;
    if (!/^[\w.-]+\/?$/.test(name) || name.startsWith('.')) fail(`unsafe or nested file name ${JSON.stringify(name)}`, name);
    if (name.endsWith('/')) fail(`directories are not accepted (${JSON.stringify(name)})`, name);
    if (flags & 0x41) fail('encrypted entries are not supported', name);
    if (madeBy === 3 && ((externalAttributes >>> 16) & 0o170000) === 0o120000) fail('symbolic links are not accepted', name);
    if (method !== 0 && method !== 8) fail(`compression method ${method} is not supported`, name);
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff) fail('zip64 entries are not supported', name);
    if (out.has(name)) fail('duplicate entry', name);
    total += size;
    if (total > limits.maxBytes) fail(`more than ${limits.maxBytes} bytes when extracted`, name);
    if (local + 30 > cdOffset || zip.readUInt32LE(local) !== 0x04034b50) fail('corrupt local header', name);
    const localNameLength = zip.readUInt16LE(local + 26);
    if (zip.toString('utf8', local + 30, local + 30 + localNameLength) !== name) fail('local header names a different file', name);
    const start = local + 30 + localNameLength + zip.readUInt16LE(local + 28);
    if (start + compressed > cdOffset) fail('entry data overruns the archive', name);
    const raw = zip.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = raw;
    else {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
      } catch {
        fail('corrupt deflate data or larger than declared', name);
      }
    }
    if (data!.length !== size) fail(`size ${data!.length} differs from the declared ${size}`, name);
    if (crc32(data!) !== crc) fail('CRC mismatch', name);
    out.set(name, data!);
  }
  return out;
}

let crcTable: Uint32Array | undefined;
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
