import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from './github/fake-github.js';
import { visibleLines } from './harness/file-commands.js';
import { webhookPayload } from './harness/payloads.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';

const report = (name: string) => readFileSync(join(REPO_ROOT, 'fixtures/report', name));
const files = { 'modelgate-out/metrics.json': report('binary-head.json'), 'base/metrics.json': report('binary-base.json') };
const pr = webhookPayload('pull_request', 'opened');
const prNumber = (pr['pull_request'] as { number: number }).number;
const headSha = (pr['pull_request'] as { head: { sha: string } }).head.sha;
/** The sticky marker: the key's readable form, then the first 12 hex digits of its SHA-256. */
const marker = (readable: string, key: string) => `<!-- modelgate:sticky:${readable}:${createHash('sha256').update(key).digest('hex').slice(0, 12)} -->`;
const warningsOf = (stdout: string) => visibleLines(stdout).filter((line) => line.startsWith('::warning'));

describe('model-report bundle against the GitHub API', () => {
  let fake: FakeGitHub;
  beforeEach(async () => {
    fake = await startFakeGitHub();
  });
  afterEach(async () => fake.close());

  const run = (extra: { inputs?: Record<string, string>; payload?: Record<string, unknown>; event?: 'pull_request' | 'push' | 'workflow_run'; files?: Record<string, string | Buffer> } = {}) =>
    runActionBundle('model-report', {
      inputs: { 'github-token': 'ghs_test_token', 'base-metrics': 'base/metrics.json', name: 'income', ...extra.inputs },
      files: { ...files, ...extra.files },
      event: { name: extra.event ?? 'pull_request', payload: extra.payload ?? pr },
      apiUrl: fake.url,
    });

  it('posts one sticky comment and a check run; a second run leaves the same comment', async () => {
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.outputs['comment-action']).toBe('created');
    expect(first.outputs['conclusion']).toBe('failure');
    const comments = fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(marker('model-CI/income', 'model CI/income'));
    expect(comments[0]!.body).toContain('## modelgate · income');
    expect(first.summary).toContain('## modelgate · income');
    const check = fake.state.checkRuns[0]!;
    expect(check).toMatchObject({ name: 'modelgate / income', head_sha: headSha, conclusion: 'failure' });
    expect(readFileSync(join(first.workspace, 'modelgate-out/model-card.md'), 'utf8')).toMatch(/^---\n/);
    expect(JSON.parse(readFileSync(join(first.workspace, 'modelgate-out/model-card.json'), 'utf8'))).toHaveProperty('model_details');

    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(second.outputs['comment-action']).toBe('unchanged');
    expect(fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it('with a read-only token (fork PR) writes the summary, warns once naming both permissions, and passes', async () => {
    fake.setPermissions('read');
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(warningsOf(result.stdout)).toEqual([
      '::warning::could not post the PR comment or publish the check run: the token lacks `pull-requests: write`, `checks: write` (pull requests from forks get a read-only token); the report is in the job summary and the output files',
    ]);
    expect(fake.requestsFor('checks/create')).toHaveLength(1);
    expect(result.summary).toContain('## modelgate · income');
    expect(fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber)).toHaveLength(0);
  });

  it('a comment refused for its permission still leaves the check run to a token that may write checks', async () => {
    fake.setPermissions({ pull_requests: 'read', issues: 'read' });
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(warningsOf(result.stdout)).toEqual([
      '::warning::could not post the PR comment: the token lacks `pull-requests: write` (pull requests from forks get a read-only token); the report is in the job summary and the output files',
    ]);
    expect(fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber)).toHaveLength(0);
    expect(result.outputs['check-run-url']).not.toBe('');
  });

  it('turns every other GitHub failure into one warning, still tries the check run, and passes: the gates decide', async () => {
    // What GitHub answers for a pull request the token cannot see, and for a check run on a commit it does not know.
    fake.injectFault({ match: { operationId: 'issues/list-comments' }, kind: { type: 'api-error', status: 404, message: 'Not Found' } });
    fake.injectFault({ match: { operationId: 'checks/create' }, kind: { type: 'api-error', status: 422, message: `No commit found for SHA: ${headSha}` } });
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain('internal error');
    expect(warningsOf(result.stdout)).toEqual([
      `::warning::could not post the PR comment: GitHub API GET /repos/Codertocat/Hello-World/issues/${prNumber}/comments failed: HTTP 404 Not Found; pull request #${prNumber} of Codertocat/Hello-World does not exist or is not visible to this token; the report is in the job summary and the output files`,
      `::warning::could not publish the check run: GitHub API POST /repos/Codertocat/Hello-World/check-runs failed: HTTP 422 No commit found for SHA: ${headSha}; the report is in the job summary and the output files`,
    ]);
    expect(fake.requestsFor('checks/create')).toHaveLength(1);
    expect(result.outputs).toMatchObject({ conclusion: 'failure', 'comment-url': '', 'check-run-url': '' });
    expect(result.summary).toContain('## modelgate · income');
    expect(fake.violations).toEqual([]);
  });

  it('keeps the job summary under GitHub\'s 1 MiB and names where the full report is', async () => {
    const metrics = JSON.parse(report('binary-head.json').toString()) as Record<string, unknown>;
    metrics['slices'] = Array.from({ length: 50 }, (_, i) => ({ column: 'occupation', value: `${i}`.padEnd(25_000, 'x'), rows: 10, metrics: { accuracy: 0.5, recall: 0.5, f1: 0.5 } }));
    const result = await run({ files: { 'modelgate-out/metrics.json': JSON.stringify(metrics) } });
    expect(result.exitCode).toBe(0);
    expect(Buffer.byteLength(result.summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(result.summary).toMatch(/> Truncated: this text is [\d,]+ bytes, over GitHub's limit of 1,048,576\. The full report is in modelgate-out\/comment\.md, which this step wrote\.\s*$/);
    const full = readFileSync(join(result.workspace, 'modelgate-out/comment.md'), 'utf8');
    expect(Buffer.byteLength(full)).toBeGreaterThan(1024 * 1024);
    const comment = fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber)[0]!.body;
    expect(comment.length).toBeLessThanOrEqual(65_536);
    expect(comment).toContain('The full report is in modelgate-out/comment.md, which this step wrote (the job summary is cut too).');
    expect(comment).not.toContain('job summary and artifacts have the full report');
    expect(fake.state.checkRuns[0]!.output.summary).toContain('The full report is in modelgate-out/comment.md');
  });

  it('gives model names that differ only outside ASCII a comment each', async () => {
    expect((await run({ inputs: { name: 'модель' } })).outputs['comment-action']).toBe('created');
    expect((await run({ inputs: { name: 'прогноз' } })).outputs['comment-action']).toBe('created');
    const comments = fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber);
    expect(comments.map((comment) => comment.body.split('\n')[1])).toEqual(['## modelgate · модель', '## modelgate · прогноз']);
  });

  it('finds the comment an earlier version wrote under the marker without the hash', async () => {
    const earlier = fake.state.addIssueComment({ owner: 'Codertocat', repo: 'Hello-World', issue_number: prNumber, body: '<!-- modelgate:sticky:model-CI/income -->\n## modelgate · income\nold', login: 'github-actions[bot]' });
    const result = await run();
    expect(result.outputs['comment-action']).toBe('updated');
    const comments = fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber);
    expect(comments.map((comment) => comment.id)).toEqual([earlier.id]);
    expect(comments[0]!.body.startsWith(`${marker('model-CI/income', 'model CI/income')}\n## modelgate · income`)).toBe(true);
  });

  it('in a workflow_run workflow puts the check run on the triggering run\'s head commit, and comments on its pull request', async () => {
    const payload = webhookPayload('workflow_run', 'completed');
    const triggering = payload['workflow_run'] as { head_sha: string; pull_requests: unknown[] };
    const first = await run({ event: 'workflow_run', payload });
    expect(first.exitCode).toBe(0);
    expect(fake.state.checkRuns.map((check) => check.head_sha)).toEqual([triggering.head_sha]);
    expect(first.outputs['comment-action']).toBe('');

    triggering.pull_requests = [{ id: 1, number: 42, url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/42', head: { ref: 'feature', sha: triggering.head_sha, repo: { id: 1, url: 'https://api.github.com/repos/Codertocat/Hello-World', name: 'Hello-World' } }, base: { ref: 'main', sha: 'b'.repeat(40), repo: { id: 1, url: 'https://api.github.com/repos/Codertocat/Hello-World', name: 'Hello-World' } } }];
    const second = await run({ event: 'workflow_run', payload });
    expect(second.outputs['comment-action']).toBe('created');
    expect(fake.state.listIssueComments('Codertocat', 'Hello-World', 42)).toHaveLength(1);
    expect(fake.state.checkRuns.map((check) => check.head_sha)).toEqual([triggering.head_sha, triggering.head_sha]);
    expect(fake.violations).toEqual([]);
  });

  it('shows the model name as written, inert: escaped, one line', async () => {
    const result = await run({ inputs: { name: 'income (EU) v2\r\r# <img src=x> @octocat' } });
    expect(result.exitCode).toBe(0);
    const heading = result.summary.split('\n').find((line) => line.startsWith('## modelgate'));
    expect(heading).toBe('## modelgate · income \\(EU\\) v2  \\# &lt;img src=x&gt; @\u2060octocat');
    expect(result.summary).not.toContain('\r');
    expect(fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber)[0]!.body).toContain(heading);
  });

  it('rides out a 429 and a 502', async () => {
    fake.injectFault({ match: { operationId: 'issues/list-comments' }, kind: { type: 'rate-limit-429', retryAfter: 1 } });
    fake.injectFault({ match: { operationId: 'checks/create' }, kind: { type: 'server-error', status: 502 } });
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(result.outputs['comment-action']).toBe('created');
    expect(fake.state.checkRuns).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it('annotates failed gates on their modelgate.yml line and data anomalies at their file line', async () => {
    const validation = {
      kind: 'validation',
      version: 1,
      data: [{ path: 'data/new.csv', rows: 500 }],
      anomalies: [{ kind: 'out_of_range', column: 'age', severity: 'error', count: 1, description: '1 value', samples: [{ file: 'data/new.csv', line: 97, value: '-1', reason: '-1 below min 17' }] }],
      errors: 1,
      warnings: 0,
      passed: false,
    };
    const metrics = JSON.parse(report('binary-head.json').toString()) as { gates: { expr: string; passed: boolean }[] };
    const failing = metrics.gates.findIndex((gate) => !gate.passed);
    const yml = `name: income\ngates:\n${metrics.gates.map((gate) => `  - ${JSON.stringify(gate.expr)}`).join('\n')}\n`;
    const result = await run({ files: { 'modelgate-out/validation.json': JSON.stringify(validation), 'modelgate.yml': yml } });
    expect(result.exitCode).toBe(0);
    const annotations = fake.state.checkRuns[0]!.annotations;
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'data/new.csv', start_line: 97, annotation_level: 'failure', message: 'age: -1 below min 17' }));
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'modelgate.yml', start_line: 3 + failing, annotation_level: 'failure' }));
  });

  it('on a push writes a commit comment only when asked', async () => {
    const push = webhookPayload('push');
    const quiet = await run({ event: 'push', payload: push });
    expect(quiet.exitCode).toBe(0);
    expect(fake.requests.filter((request) => request.operationId === 'repos/create-commit-comment')).toHaveLength(0);
    const loud = await run({ event: 'push', payload: push, inputs: { 'comment-on': 'commit' } });
    expect(loud.exitCode).toBe(0);
    expect(fake.requests.filter((request) => request.operationId === 'repos/create-commit-comment')).toHaveLength(1);
    expect(loud.outputs['comment-url']).toMatch(/^http/);
    // Sticky: a rerun edits the comment it wrote (a changed report) instead of adding one.
    const rerun = await run({ event: 'push', payload: push, inputs: { 'comment-on': 'commit' }, files: { 'base/metrics.json': report('binary-head.json') } });
    expect(rerun.outputs).toMatchObject({ 'comment-action': 'updated', 'comment-url': loud.outputs['comment-url'] });
    const comments = fake.state.listCommitComments('Codertocat', 'Hello-World', push['after'] as string);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith(marker('model-CI/income', 'model CI/income'))).toBe(true);
    expect(fake.violations).toEqual([]);
  });
});
