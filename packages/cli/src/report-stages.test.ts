import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger, serializeArtifact } from '@modelgate/core';
import { createGitHubClient, type GitHubClient } from '@modelgate/github';
import { startFakeArtifacts, type FakeArtifacts } from '../../../test/artifact/fake-artifacts.js';
import { buildZip, type ZipEntry } from '../../../test/artifact/zip-writer.js';
import { startFakeGitHub, type FakeGitHub } from '../../../test/github/fake-github.js';
import { collectReport, fetchReport, readZip, uploadWithActionsArtifact, type WorkflowRunPayload } from './report-stages.js';

const OWNER = 'acme';
const REPO = 'models';
const RUN_ID = 4242;
const HEAD = 'a'.repeat(40);
const PR = 17;
const metricsText = await readFile(fileURLToPath(new URL('../../../fixtures/report/binary-head.json', import.meta.url)), 'utf8');
const validationText = serializeArtifact('validation', { data: [{ path: 'data/eval.csv', rows: 10 }], anomalies: [], errors: 0, warnings: 0, passed: true }, '0.0.0');
const prText = (overrides: Record<string, unknown> = {}) => JSON.stringify({ kind: 'modelgate-pr', version: 1, number: PR, head_sha: HEAD, base_repo: `${OWNER}/${REPO}`, ...overrides });
const payload = (overrides: Partial<WorkflowRunPayload> = {}): WorkflowRunPayload => ({
  id: RUN_ID,
  head_sha: HEAD,
  event: 'pull_request',
  head_repository: { full_name: `${OWNER}/${REPO}` },
  pull_requests: [{ number: PR, head: { sha: HEAD } }],
  ...overrides,
});
const goodEntries = (): ZipEntry[] => [
  { name: 'metrics.json', data: metricsText },
  { name: 'validation.json', data: validationText, method: 'store' },
  { name: 'pr.json', data: prText() },
];

let github: FakeGitHub;
let artifacts: FakeArtifacts;
let client: GitHubClient;
let dir: string;

beforeEach(async () => {
  github = await startFakeGitHub({ permissions: { actions: 'read', pull_requests: 'read' } });
  artifacts = await startFakeArtifacts(github, { owner: OWNER, repo: REPO, runId: RUN_ID });
  client = createGitHubClient({ token: 'ghs_fake', baseUrl: artifacts.apiUrl, logger: new MemoryLogger(), retryBaseDelayMs: 1, spaceWrites: false, retries: 0 });
  dir = await mkdtemp(join(tmpdir(), 'report-stages-'));
});
afterEach(async () => {
  await artifacts.close();
  await github.close();
  await rm(dir, { recursive: true, force: true });
});

type Refusal = { message: string; location?: { file?: string } };
const refusal = (promise: Promise<unknown>) => promise.then(() => ({ message: 'resolved' }) as Refusal, (error: unknown) => error as Refusal);

const publish = (zip: Buffer, options: { payload?: WorkflowRunPayload; maxBytes?: number; sizeInBytes?: number } = {}) => {
  artifacts.putArtifact({ owner: OWNER, repo: REPO, runId: RUN_ID, name: 'modelgate-report', zip, ...(options.sizeInBytes ? { sizeInBytes: options.sizeInBytes } : {}) });
  return fetchReport({ client, owner: OWNER, repo: REPO, workflowRunPayload: options.payload ?? payload(), ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) });
};

describe('fetchReport (publish)', () => {
  it('downloads, validates and returns the artifacts and the verified PR', async () => {
    const report = await publish(buildZip(goodEntries()));
    expect(report.pr).toEqual({ number: PR, headSha: HEAD });
    expect(report.artifacts.metrics.kind).toBe('metrics');
    expect(report.artifacts.validation?.passed).toBe(true);
    expect(report.artifacts.drift).toBeUndefined();
    expect(github.violations).toEqual([]);
    const download = artifacts.requests.find((r) => r.operation === 'blob:download');
    // The signed blob URL is on another host: the token must not follow the redirect there.
    expect(download).toMatchObject({ status: 200, authorization: false });
    expect(github.requestsFor('actions/list-workflow-run-artifacts')[0]?.query).toMatchObject({ name: 'modelgate-report' });
  });

  it('refuses a pr.json that names a PR outside the workflow_run pull_requests list', async () => {
    const entries = goodEntries();
    entries[2] = { name: 'pr.json', data: prText({ number: 1 }) };
    await expect(publish(buildZip(entries))).rejects.toThrow('PR #1 is not among the triggering run');
  });

  it('refuses a pr.json whose head sha is not the one the run built', async () => {
    const entries = goodEntries();
    entries[2] = { name: 'pr.json', data: prText({ head_sha: 'b'.repeat(40) }) };
    await expect(publish(buildZip(entries))).rejects.toThrow('the triggering run built');
  });

  it('verifies fork PRs (empty pull_requests) against the PR itself', async () => {
    github.state.addPullRequest({ owner: OWNER, repo: REPO, number: PR, head_sha: HEAD });
    github.state.addPullRequest({ owner: OWNER, repo: REPO, number: 3, head_sha: 'c'.repeat(40) });
    const report = await publish(buildZip(goodEntries()), { payload: payload({ pull_requests: [] }) });
    expect(report.pr.number).toBe(PR);

    const forged = goodEntries();
    forged[2] = { name: 'pr.json', data: prText({ number: 3 }) };
    await expect(publish(buildZip(forged), { payload: payload({ pull_requests: [] }) })).rejects.toThrow(`PR #3 is at ${'c'.repeat(40)}`);
  });

  it('refuses a fork PR whose head repository differs from the run', async () => {
    github.state.addPullRequest({ owner: OWNER, repo: REPO, number: PR, head_sha: HEAD });
    const run = payload({ pull_requests: [], head_repository: { full_name: 'mallory/models' } });
    await expect(publish(buildZip(goodEntries()), { payload: run })).rejects.toThrow('the triggering run from mallory/models');
  });

  it('refuses a zip entry that climbs out with ../', async () => {
    await expect(publish(buildZip([...goodEntries(), { name: '../metrics.json', data: metricsText }]))).rejects.toThrow('unsafe or nested file name "../metrics.json"');
  });

  it('refuses a file that is not a modelgate artifact, naming it', async () => {
    const entries = goodEntries();
    entries[1] = { name: 'validation.json', data: '{"kind":"validation","version":1,"pwned":true}' };
    const error = await refusal(publish(buildZip(entries)));
    expect(error.location?.file).toBe('modelgate-report/validation.json');
  });

  it('refuses files outside the allow-list', async () => {
    const error = await refusal(publish(buildZip([...goodEntries(), { name: 'notes.json', data: '{}' }])));
    expect(error.message).toContain('unexpected file');
    expect(error.location?.file).toBe('modelgate-report/notes.json');
  });

  it('refuses an oversize artifact before downloading it', async () => {
    await expect(publish(buildZip(goodEntries()), { sizeInBytes: 50_000_000 })).rejects.toThrow('over the limit');
    expect(artifacts.requests.some((r) => r.operation === 'actions/download-artifact')).toBe(false);
  });

  it('refuses a zip bomb (small zip, large inflated size)', async () => {
    const bomb = buildZip([{ name: 'metrics.json', data: Buffer.alloc(2_000_000, 32) }, { name: 'pr.json', data: prText() }]);
    expect(bomb.length).toBeLessThan(10_000);
    await expect(publish(bomb, { maxBytes: 1_000_000 })).rejects.toThrow('more than 1000000 bytes when extracted');
  });

  it('refuses runs that were not pull_request runs, and missing artifacts', async () => {
    await expect(fetchReport({ client, owner: OWNER, repo: REPO, workflowRunPayload: payload({ event: 'push' }) })).rejects.toThrow('`push` run');
    await expect(fetchReport({ client, owner: OWNER, repo: REPO, workflowRunPayload: payload() })).rejects.toThrow("no (unexpired) artifact named 'modelgate-report'");
  });
});

describe('readZip', () => {
  const read = (entries: ZipEntry[]) => () => readZip(buildZip(entries), { maxBytes: 1_000_000, maxEntries: 16 });
  it('reads stored and deflated entries', () => {
    const out = readZip(buildZip([{ name: 'a.json', data: 'A', method: 'store' }, { name: 'b.json', data: 'B'.repeat(1000) }]), { maxBytes: 10_000, maxEntries: 4 });
    expect([...out.keys()]).toEqual(['a.json', 'b.json']);
    expect(out.get('b.json')?.toString()).toBe('B'.repeat(1000));
  });
  it.each([
    ['absolute names', [{ name: '/etc/passwd', data: 'x' }], 'unsafe'],
    ['backslashes', [{ name: '..\\x.json', data: 'x' }], 'unsafe'],
    ['nested names', [{ name: 'dir/metrics.json', data: 'x' }], 'unsafe'],
    ['dot files', [{ name: '.git', data: 'x' }], 'unsafe'],
    ['encryption', [{ name: 'a.json', data: 'x', flags: 1 }], 'encrypted'],
    ['symlinks', [{ name: 'a.json', data: '/etc/passwd', unixMode: 0o120777 }], 'symbolic links'],
    ['lying sizes', [{ name: 'a.json', data: 'x'.repeat(100), declaredSize: 10 }], 'larger than declared'],
    ['lying stored sizes', [{ name: 'a.json', data: 'x'.repeat(100), method: 'store', declaredSize: 10 }], 'differs from the declared'],
    ['duplicates', [{ name: 'a.json', data: 'x' }, { name: 'a.json', data: 'y' }], 'duplicate'],
  ] as Array<[string, ZipEntry[], string]>)('refuses %s', (_what, entries, message) => {
    expect(read(entries)).toThrow(message);
  });
  it('refuses corrupt data and non-zips', () => {
    const zip = buildZip([{ name: 'a.json', data: 'hello world', method: 'store' }]);
    zip[36] = zip[36]! ^ 0xff; // flip the first byte of the stored data
    expect(() => readZip(zip, { maxBytes: 100, maxEntries: 4 })).toThrow('CRC mismatch');
    const renamed = buildZip([{ name: 'a.json', data: 'x', method: 'store' }]);
    renamed[30] = 'b'.charCodeAt(0); // the local header now says b.json
    expect(() => readZip(renamed, { maxBytes: 100, maxEntries: 4 })).toThrow('different file');
    expect(() => readZip(Buffer.from('not a zip at all, not even close'), { maxBytes: 100, maxEntries: 4 })).toThrow('not a zip');
    expect(read(Array.from({ length: 17 }, (_, i) => ({ name: `f${i}.json`, data: 'x' })))).toThrow('over the limit of 16');
  });
});

describe('collectReport', () => {
  it('stages canonical names plus pr.json and hands them to upload', async () => {
    await writeFile(join(dir, 'm.json'), metricsText);
    await writeFile(join(dir, 'v.json'), validationText);
    const calls: Array<{ name: string; files: string[]; root: string; pr: string }> = [];
    const result = await collectReport({
      files: { metrics: join(dir, 'm.json'), validation: join(dir, 'v.json') },
      pr: { number: PR, headSha: HEAD, baseRepo: `${OWNER}/${REPO}` },
      directory: join(dir, 'stage'),
      upload: async (name, files, root) => {
        calls.push({ name, files, root, pr: await readFile(join(root, 'pr.json'), 'utf8') });
      },
    });
    expect(result).toEqual({ name: 'modelgate-report', files: ['metrics.json', 'validation.json', 'pr.json'] });
    expect(calls[0]?.root).toBe(join(dir, 'stage'));
    expect(JSON.parse(calls[0]!.pr)).toEqual(JSON.parse(prText()));
    // The staging copies are gone once uploaded.
    expect(existsSync(join(dir, 'stage'))).toBe(false);
  });

  it('refuses an invalid file before uploading anything', async () => {
    await writeFile(join(dir, 'm.json'), '{"kind":"drift"}');
    let uploaded = false;
    const collect = collectReport({ files: { metrics: join(dir, 'm.json') }, pr: { number: PR, headSha: HEAD, baseRepo: `${OWNER}/${REPO}` }, directory: join(dir, 'stage'), upload: async () => void (uploaded = true) });
    await expect(collect).rejects.toThrow('expected a modelgate metrics.json');
    expect(uploaded).toBe(false);
    expect(existsSync(join(dir, 'stage'))).toBe(false);
  });

  it('round-trips through the real @actions/artifact client and fetchReport', async () => {
    await writeFile(join(dir, 'm.json'), metricsText);
    const saved = { ...process.env };
    Object.assign(process.env, artifacts.env(), { GITHUB_WORKSPACE: dir });
    try {
      await collectReport({ files: { metrics: join(dir, 'm.json') }, pr: { number: PR, headSha: HEAD, baseRepo: `${OWNER}/${REPO}` }, directory: join(dir, 'stage'), upload: uploadWithActionsArtifact({ retentionDays: 1 }) });
    } finally {
      process.env = saved;
    }
    expect(artifacts.requests.filter((r) => r.host === 'results').map((r) => `${r.operation} ${r.status}`)).toContain('FinalizeArtifact 200');
    const report = await fetchReport({ client, owner: OWNER, repo: REPO, workflowRunPayload: payload() });
    expect(report.artifacts.metrics.gates.length).toBeGreaterThan(0);
    expect(report.pr.number).toBe(PR);
  });
});
