import { afterEach, describe, expect, it } from 'vitest';
import { publishCheckRun, type CheckAnnotation, type PublishCheckRunOptions } from './checks.js';
import { MissingPermissionError, tryWrite } from './permissions.js';
import { REPO, requestLog, startHarness, type Harness } from './test-helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.fake.close();
});

const SHA = 'a'.repeat(40);
const annotation = (i: number): CheckAnnotation => ({
  path: 'models/income.onnx',
  start_line: i,
  end_line: i,
  annotation_level: i % 3 === 0 ? 'failure' : 'warning',
  message: `finding ${i}`,
  ...(i % 2 ? { title: `rule ${i}` } : {}),
});
const publish = (overrides: Partial<PublishCheckRunOptions> = {}) =>
  publishCheckRun({
    client: h.client,
    ...REPO,
    headSha: SHA,
    name: 'modelgate / eval',
    conclusion: 'failure',
    title: '1 gate failed',
    summary: 'accuracy 0.81 < 0.85',
    logger: h.logger,
    ...overrides,
  });

describe('publishCheckRun', () => {
  it('sends 120 annotations in 3 requests (50 + 50 + 20) and completes the run with the last', async () => {
    h = await startHarness();
    const result = await publish({ annotations: Array.from({ length: 120 }, (_, i) => annotation(i + 1)), text: 'details' });
    expect(result).toMatchObject({ requests: 3, annotations: 120, truncated: false });
    expect(result.url).toContain(String(result.id));
    expect(requestLog(h.fake)).toEqual(['checks/create 201', 'checks/update 200', 'checks/update 200']);
    const sizes = h.fake.requests.map((r) => (r.body as { output: { annotations: unknown[] } }).output.annotations.length);
    expect(sizes).toEqual([50, 50, 20]);
    const bodies = h.fake.requests.map((r) => r.body as { status?: string; conclusion?: string });
    expect(bodies.map((b) => [b.status, b.conclusion])).toEqual([
      ['in_progress', undefined],
      [undefined, undefined],
      ['completed', 'failure'],
    ]);

    const run = h.fake.state.getCheckRun(REPO.owner, REPO.repo, result.id);
    expect(run).toMatchObject({
      name: 'modelgate / eval',
      head_sha: SHA,
      status: 'completed',
      conclusion: 'failure',
      output: { title: '1 gate failed', summary: 'accuracy 0.81 < 0.85', text: 'details' },
      annotationBatches: 3,
    });
    expect(run.annotations.map((a) => a.message)).toEqual(Array.from({ length: 120 }, (_, i) => `finding ${i + 1}`));
    expect(run.annotations[0]).toMatchObject({ path: 'models/income.onnx', start_line: 1, title: 'rule 1' });
    expect(h.fake.violations).toEqual([]);
  });

  it('creates a completed run in one request with ≤ 50 annotations (or none)', async () => {
    h = await startHarness();
    const one = await publish({ conclusion: 'success', annotations: Array.from({ length: 50 }, (_, i) => annotation(i + 1)) });
    const none = await publish({ conclusion: 'neutral' });
    expect([one.requests, none.requests]).toEqual([1, 1]);
    expect(h.fake.state.getCheckRun(REPO.owner, REPO.repo, one.id)).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      annotationBatches: 1,
    });
    expect(h.fake.state.getCheckRun(REPO.owner, REPO.repo, none.id).annotations).toEqual([]);
    expect(h.fake.violations).toEqual([]);
  });

  it('truncates a summary over 65 535 characters with a notice', async () => {
    h = await startHarness();
    const summary = `## Gates\n${'- metric within bounds ✅\n'.repeat(4_000)}`;
    const result = await publish({ summary });
    expect(result.truncated).toBe(true);
    const stored = h.fake.state.getCheckRun(REPO.owner, REPO.repo, result.id).output.summary!;
    expect(stored.length).toBeLessThanOrEqual(65_535);
    expect(stored.startsWith('## Gates\n- metric within bounds ✅\n')).toBe(true);
    expect(stored).toMatch(/\n\n> \[!WARNING\]\n> Truncated: this text is 100,009 characters, over GitHub's limit of 65,535\./);
    expect(h.fake.violations).toEqual([]);
  });

  it('retries a 502 on an annotation batch and still stores everything', async () => {
    h = await startHarness();
    h.fake.injectFault({ match: { operationId: 'checks/update' }, kind: { type: 'server-error', status: 502 } });
    const result = await publish({ annotations: Array.from({ length: 60 }, (_, i) => annotation(i + 1)) });
    expect(requestLog(h.fake)).toEqual(['checks/create 201', 'checks/update 502', 'checks/update 200']);
    expect(h.fake.state.getCheckRun(REPO.owner, REPO.repo, result.id).annotations).toHaveLength(60);
    expect(h.fake.violations).toEqual([]);
  });

  it('reports a read-only checks permission as MissingPermissionError("checks: write")', async () => {
    h = await startHarness({ permissions: { checks: 'read' } });
    const outcome = await tryWrite(() => publish());
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.missing).toBeInstanceOf(MissingPermissionError);
      expect(outcome.missing.permission).toBe('checks: write');
      expect(outcome.missing.message).toMatch(/may not create the check run "modelgate \/ eval".*permissions: checks: write/);
    }
    expect(h.fake.violations).toEqual([]);
  });
});
