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

describe('model-report bundle against the GitHub API', () => {
  let fake: FakeGitHub;
  beforeEach(async () => {
    fake = await startFakeGitHub();
  });
  afterEach(async () => fake.close());

  const run = (extra: { inputs?: Record<string, string>; payload?: Record<string, unknown>; event?: 'pull_request' | 'push'; files?: Record<string, string | Buffer> } = {}) =>
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
    expect(comments[0]!.body).toContain('<!-- modelgate:sticky:model-CI/income -->');
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

  it('with a read-only token (fork PR) writes the summary, warns once per write, and passes', async () => {
    fake.setPermissions('read');
    const result = await run();
    expect(result.exitCode).toBe(0);
    const warnings = visibleLines(result.stdout).filter((line) => line.startsWith('::warning'));
    expect(warnings).toEqual([
      '::warning::could not post the PR comment: the token lacks `pull-requests: write` (pull requests from forks get a read-only token); the report is in the job summary and the output files',
      '::warning::could not publish the check run: the token lacks `checks: write` (pull requests from forks get a read-only token); the report is in the job summary and the output files',
    ]);
    expect(result.summary).toContain('## modelgate · income');
    expect(fake.state.listIssueComments('Codertocat', 'Hello-World', prNumber)).toHaveLength(0);
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
  });
});
