import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeGitHubOptions } from '../../../test/github/fake-github.js';
import { MissingPermissionError, tryWrite } from './permissions.js';
import { legacyStickyMarker, stickyCommentBody, stickyMarker, upsertStickyComment, type UpsertStickyCommentOptions } from './sticky-comment.js';
import { REPO, requestLog, startHarness, type Harness } from './test-helpers.js';

let h: Harness;
async function start(options?: FakeGitHubOptions) {
  h = await startHarness(options);
  return h;
}
afterEach(async () => {
  await h?.fake.close();
});

const upsert = (overrides: Partial<Omit<UpsertStickyCommentOptions, 'issueNumber' | 'commitSha'>> = {}) =>
  upsertStickyComment({
    client: h.client,
    ...REPO,
    issueNumber: 7,
    key: 'gate',
    body: 'Report v1',
    logger: h.logger,
    ...overrides,
  });
const comments = (issue = 7) => h.fake.state.listIssueComments(REPO.owner, REPO.repo, issue);
/** The first 12 hex digits of the key's SHA-256 (of its UTF-8 bytes). */
const hash = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12);
const MARKER = `<!-- modelgate:sticky:gate:${hash('gate')} -->`;
/** What versions before the hash wrote for the key `gate`. */
const LEGACY_MARKER = '<!-- modelgate:sticky:gate -->';

describe('stickyMarker', () => {
  it('keeps simple keys readable and cannot be closed early by the key', () => {
    expect(stickyMarker('gate')).toBe(MARKER);
    expect(stickyMarker('eval/income:v2')).toBe(`<!-- modelgate:sticky:eval/income:v2:${hash('eval/income:v2')} -->`);
    const hostile = stickyMarker('x --> <script> <!-- y');
    expect(hostile).toBe(`<!-- modelgate:sticky:x-script-y:${hash('x --> <script> <!-- y')} -->`);
    expect(hostile.indexOf('-->')).toBe(hostile.length - 3);
    expect(stickyMarker('---')).toBe(`<!-- modelgate:sticky:default:${hash('---')} -->`);
  });

  it('tells apart keys whose readable forms are the same: other scripts, a long shared start', () => {
    const [a, b] = [stickyMarker('model CI/модель'), stickyMarker('model CI/прогноз')];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^<!-- modelgate:sticky:model-CI\/:[0-9a-f]{12} -->$/);
    const long = 'w'.repeat(120);
    expect(stickyMarker(`${long}/income`)).not.toBe(stickyMarker(`${long}/churn`));
    expect(stickyMarker('a-b')).not.toBe(stickyMarker('a b'));
  });

  it('knows the marker of earlier versions only for printable ASCII keys that fit', () => {
    expect(legacyStickyMarker('gate')).toBe(LEGACY_MARKER);
    expect(legacyStickyMarker('model CI/income')).toBe('<!-- modelgate:sticky:model-CI/income -->');
    expect(legacyStickyMarker('model CI/модель')).toBeUndefined();
    expect(legacyStickyMarker('w'.repeat(120))).toBeUndefined();
  });
});

describe('upsertStickyComment', () => {
  it('creates the comment, then updates it in place: one comment after two runs', async () => {
    await start();
    const first = await upsert();
    expect(first).toMatchObject({ action: 'created', truncated: false });
    expect(first.url).toBe(`${h.fake.url}/acme/models/issues/7#issuecomment-${first.commentId}`);
    const second = await upsert({ body: 'Report v2' });
    expect(second).toMatchObject({ action: 'updated', commentId: first.commentId, url: first.url });
    expect(comments().map((c) => [c.id, c.body, c.user.login])).toEqual([
      [first.commentId, `${MARKER}\nReport v2`, 'github-actions[bot]'],
    ]);
    expect(requestLog(h.fake)).toEqual([
      'issues/list-comments 200', // nothing there yet: no GET /user needed
      'issues/create-comment 201',
      'issues/list-comments 200', // race check
      'issues/list-comments 200',
      'users/get-authenticated 200',
      'issues/update-comment 200',
    ]);
    expect(h.fake.violations).toEqual([]);
  });

  it('uses at most 3 requests when the comment is on the first page (list, user, patch), 2 once the login is known', async () => {
    await start();
    h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `${MARKER}\nold`, login: 'github-actions[bot]' });
    expect((await upsert()).action).toBe('updated');
    expect(requestLog(h.fake)).toEqual([
      'issues/list-comments 200',
      'users/get-authenticated 200',
      'issues/update-comment 200',
    ]);
    h.fake.requests.length = 0;
    expect((await upsert({ body: 'Report v3' })).action).toBe('updated');
    expect(h.fake.requests).toHaveLength(2);
    h.fake.requests.length = 0;
    await upsertStickyComment({ client: h.newClient(), ...REPO, issueNumber: 7, key: 'gate', body: 'v4', viewerLogin: 'github-actions[bot]' });
    expect(requestLog(h.fake)).toEqual(['issues/list-comments 200', 'issues/update-comment 200']);
    expect(h.fake.violations).toEqual([]);
  });

  it('finds our comment on page 3 among 250 others (per_page=100)', async () => {
    await start();
    for (let i = 0; i < 250; i++) {
      h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `chatter ${i}`, login: i % 2 ? 'alice' : 'github-actions[bot]' });
    }
    const ours = h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `${MARKER}\nold`, login: 'github-actions[bot]' });
    const result = await upsert({ body: 'fresh' });
    expect(result).toMatchObject({ action: 'updated', commentId: ours.id });
    expect(h.fake.requestsFor('issues/list-comments').map((r) => [r.query.per_page, r.query.page ?? '1'])).toEqual([
      ['100', '1'],
      ['100', '2'],
      ['100', '3'],
    ]);
    expect(comments()).toHaveLength(251);
    expect(comments().at(-1)!.body).toBe(`${MARKER}\nfresh`);
    expect(h.fake.violations).toEqual([]);
  });

  it("ignores other users' comments carrying the same marker", async () => {
    await start();
    const quoted = h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `> ${MARKER}\n> copied`, login: 'mallory' });
    const result = await upsert();
    expect(result.action).toBe('created');
    expect(result.commentId).not.toBe(quoted.id);
    expect(comments().map((c) => [c.user.login, c.body])).toEqual([
      ['mallory', `> ${MARKER}\n> copied`],
      ['github-actions[bot]', `${MARKER}\nReport v1`],
    ]);
    expect(h.fake.violations).toEqual([]);
  });

  it('falls back to github-actions[bot] when GET /user is forbidden (installation token)', async () => {
    await start({ userEndpoint: 'forbidden' });
    h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `${MARKER}\nby someone`, login: 'octocat' });
    const ours = h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `${MARKER}\nold`, login: 'github-actions[bot]' });
    const result = await upsert({ body: 'new' });
    expect(result).toMatchObject({ action: 'updated', commentId: ours.id });
    expect(requestLog(h.fake)).toEqual([
      'issues/list-comments 200',
      'users/get-authenticated 403',
      'issues/update-comment 200',
    ]);
    expect(comments().map((c) => c.body)).toEqual([`${MARKER}\nby someone`, `${MARKER}\nnew`]);
    expect(h.fake.violations).toEqual([]);
  });

  it('uses GET /user for a personal token and honours viewerLogin for other app tokens', async () => {
    await start({ viewer: { login: 'octocat', type: 'User' } });
    const bots = h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `${MARKER}\nbot`, login: 'github-actions[bot]' });
    const mine = h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `${MARKER}\nmine`, login: 'octocat' });
    expect(await upsert({ body: 'pat' })).toMatchObject({ action: 'updated', commentId: mine.id });
    expect(comments().find((c) => c.id === bots.id)!.body).toBe(`${MARKER}\nbot`);

    h.fake.setViewer('modelgate-app[bot]', 'Bot');
    h.fake.setUserEndpoint('forbidden');
    const app = await upsertStickyComment({
      client: h.newClient(), ...REPO, issueNumber: 7, key: 'gate', body: 'app', viewerLogin: 'modelgate-app[bot]',
    });
    expect(app.action).toBe('created');
    expect(comments().at(-1)!.user.login).toBe('modelgate-app[bot]');
    expect(h.fake.violations).toEqual([]);
  });

  it('retries an injected 429 (Retry-After) and 502, then succeeds', async () => {
    await start();
    h.fake.injectFault({ match: { operationId: 'issues/list-comments' }, kind: { type: 'rate-limit-429', retryAfter: 30 } });
    h.fake.injectFault({ match: { operationId: 'issues/create-comment' }, kind: { type: 'server-error', status: 502 } });
    const started = Date.now();
    const result = await upsert();
    expect(Date.now() - started).toBeLessThan(2_000); // the 30 s Retry-After is recorded, not waited
    expect(h.waits).toEqual([30_000]);
    expect(result.action).toBe('created');
    expect(comments()).toHaveLength(1);
    expect(requestLog(h.fake)).toEqual([
      'issues/list-comments 429',
      'issues/list-comments 200',
      'issues/create-comment 502',
      'issues/create-comment 201',
      'issues/list-comments 200',
    ]);
    expect(h.logger.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      expect.stringMatching(/^GitHub secondary rate limit hit for GET .*\/issues\/7\/comments.*retrying in 30 s \(retry 1 of 2\)/),
    ]);
    expect(h.fake.violations).toEqual([]);
  });

  it('turns a read-only token into a MissingPermissionError naming pull-requests: write', async () => {
    await start({ permissions: 'read' });
    const outcome = await tryWrite(() => upsert());
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.missing).toBeInstanceOf(MissingPermissionError);
    expect(outcome.missing).toMatchObject({ permission: 'pull-requests: write', status: 403 });
    expect(outcome.missing.message).toContain('permissions: pull-requests: write');
    await expect(upsert()).rejects.toBeInstanceOf(MissingPermissionError);
    expect(comments()).toEqual([]);
    expect(h.fake.violations).toEqual([]);
  });

  it('two concurrent runs end with exactly one comment, carrying a body from one of them', async () => {
    await start();
    const [a, b] = await Promise.all([
      upsert({ client: h.newClient(), body: 'run A' }),
      upsert({ client: h.newClient(), body: 'run B' }),
    ]);
    expect(h.fake.requestsFor('issues/create-comment')).toHaveLength(2); // it really raced
    expect(comments()).toHaveLength(1);
    const survivor = comments()[0]!;
    expect(a.commentId).toBe(survivor.id);
    expect(b.commentId).toBe(survivor.id);
    expect([a.action, b.action].sort()).toEqual(['created', 'updated']);
    expect([`${MARKER}\nrun A`, `${MARKER}\nrun B`]).toContain(survivor.body);
    expect(h.fake.requestsFor('issues/delete-comment')).toHaveLength(1);
    // A third run updates the survivor.
    expect(await upsert({ body: 'run C' })).toMatchObject({ action: 'updated', commentId: survivor.id });
    expect(h.fake.violations).toEqual([]);
  });

  it('skipUnchanged: the same body makes no PATCH', async () => {
    await start();
    const first = await upsert();
    h.fake.requests.length = 0;
    expect(await upsert()).toMatchObject({ action: 'unchanged', commentId: first.commentId });
    expect(h.fake.requestsFor('issues/update-comment')).toEqual([]);
    expect(h.fake.requests.every((r) => r.method === 'GET')).toBe(true);
    expect((await upsert({ skipUnchanged: false })).action).toBe('updated');
    expect(h.fake.requestsFor('issues/update-comment')).toHaveLength(1);
    expect(h.fake.violations).toEqual([]);
  });

  it('minimize-previous posts a new comment and hides the old one as OUTDATED', async () => {
    await start();
    const first = await upsert({ mode: 'minimize-previous' });
    expect(first.action).toBe('created');
    const second = await upsert({ mode: 'minimize-previous', body: 'Report v2' });
    expect(second.action).toBe('minimized-and-created');
    expect(second.commentId).not.toBe(first.commentId);
    const third = await upsert({ mode: 'minimize-previous', body: 'Report v3' });
    expect(comments().map((c) => [c.id, c.body, c.minimized])).toEqual([
      [first.commentId, `${MARKER}\nReport v1`, 'OUTDATED'],
      [second.commentId, `${MARKER}\nReport v2`, 'OUTDATED'],
      [third.commentId, `${MARKER}\nReport v3`, null],
    ]);
    expect(h.fake.requestsFor('graphql').map((r) => (r.body as { variables: { id: string } }).variables.id)).toEqual(
      comments().slice(0, 2).map((c) => c.node_id),
    );
    expect((await upsert({ mode: 'minimize-previous', body: 'Report v3' })).action).toBe('unchanged');
    expect(h.fake.violations).toEqual([]);
  });

  it('finds and takes over a comment with the marker of an earlier version', async () => {
    await start();
    const old = h.fake.state.addIssueComment({ ...REPO, issue_number: 7, body: `${LEGACY_MARKER}\nReport v0`, login: 'github-actions[bot]' });
    expect(await upsert()).toMatchObject({ action: 'updated', commentId: old.id });
    expect(comments().map((c) => c.body)).toEqual([`${MARKER}\nReport v1`]);
    expect(await upsert()).toMatchObject({ action: 'unchanged', commentId: old.id });
    expect(h.fake.violations).toEqual([]);
  });

  it('two keys that differ only outside ASCII keep a comment each', async () => {
    await start();
    const a = await upsert({ key: 'model CI/модель', body: 'A' });
    const b = await upsert({ key: 'model CI/прогноз', body: 'B' });
    expect([a.action, b.action]).toEqual(['created', 'created']);
    expect(comments().map((c) => c.body.split('\n')[1])).toEqual(['A', 'B']);
    expect(h.fake.violations).toEqual([]);
  });

  it('cuts a body over 65 536 characters with a visible notice and keeps the marker', async () => {
    await start();
    const huge = `| metric | value |\n|---|---|\n${'| accuracy | 0.9 |\n'.repeat(5_000)}`;
    const result = await upsert({ body: huge });
    expect(result.truncated).toBe(true);
    const stored = comments()[0]!.body;
    expect(stored.length).toBeLessThanOrEqual(65_536);
    expect(stored.startsWith(`${MARKER}\n| metric | value |`)).toBe(true);
    expect(stored).toMatch(/> Truncated: this text is 95,029 characters, over GitHub's limit of 65,536\. .*\n$/);
    expect(h.logger.lines.some((l) => l.level === 'warning' && /truncated/.test(l.message))).toBe(true);
    // The truncated body is stable, so an identical rerun is still "unchanged".
    expect((await upsert({ body: huge })).action).toBe('unchanged');
    expect(stickyCommentBody('gate', 'small')).toEqual({ text: `${MARKER}\nsmall`, truncated: false });
    expect(h.fake.violations).toEqual([]);
  });
});

describe('upsertStickyComment on a commit', () => {
  const SHA = 'c0ffee'.padEnd(40, '0');
  const onCommit = (body: string) => upsertStickyComment({ client: h.client, ...REPO, commitSha: SHA, key: 'gate', body, logger: h.logger });
  const commitComments = () => h.fake.state.listCommitComments(REPO.owner, REPO.repo, SHA);

  it('creates one commit comment, then edits it in place; others\' comments stay', async () => {
    await start();
    h.fake.state.addCommitComment({ ...REPO, commit_id: SHA, body: `> ${MARKER}\n> quoted`, login: 'mallory' });
    const first = await onCommit('Report v1');
    expect(first.action).toBe('created');
    expect(first.url).toBe(`${h.fake.url}/acme/models/commit/${SHA}#commitcomment-${first.commentId}`);
    expect(await onCommit('Report v2')).toMatchObject({ action: 'updated', commentId: first.commentId });
    expect(await onCommit('Report v2')).toMatchObject({ action: 'unchanged', commentId: first.commentId });
    expect(commitComments().map((c) => [c.user.login, c.body])).toEqual([
      ['mallory', `> ${MARKER}\n> quoted`],
      ['github-actions[bot]', `${MARKER}\nReport v2`],
    ]);
    expect(h.fake.requestsFor('repos/create-commit-comment')).toHaveLength(1);
    expect(h.fake.requestsFor('repos/update-commit-comment')).toHaveLength(1);
    expect(h.fake.state.issueComments).toEqual([]);
    expect(h.fake.violations).toEqual([]);
  });

  it('turns a read-only token into a MissingPermissionError naming contents: write', async () => {
    await start({ permissions: 'read' });
    await expect(onCommit('Report')).rejects.toMatchObject({ permission: 'contents: write', status: 403 });
    expect(commitComments()).toEqual([]);
    expect(h.fake.violations).toEqual([]);
  });
});
