import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './fake-github.js';
import { loadSubset } from './openapi.js';

const repo = { owner: 'acme', repo: 'models' };
let fake: FakeGitHub;

async function start(options?: FakeGitHubOptions) {
  await fake?.close();
  fake = await startFakeGitHub(options);
  return fake;
}
const client = () => getOctokit('fake-token', { baseUrl: fake.url });
/** Plain fetch, so tests see exactly what the server sent (no octokit error mapping). */
const raw = (path: string, init: RequestInit = {}) =>
  fetch(`${fake.url}${path}`, { ...init, headers: { authorization: 'token fake', ...init.headers } });
/** Status of an octokit call that may reject (octokit throws RequestError for >= 400). */
const statusOf = (p: Promise<{ status: number }>) =>
  p.then(
    (r) => r.status,
    (e: { status?: number }) => e.status,
  );

beforeEach(async () => {
  await start();
});
afterEach(async () => {
  await fake.close();
});

describe('issue comments', () => {
  it('creates, lists, updates and deletes a comment authored by the viewer', async () => {
    const gh = client();
    const created = await gh.rest.issues.createComment({ ...repo, issue_number: 7, body: 'Report v1' });
    expect(created.status).toBe(201);
    expect(created.data.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot', id: 41898282 });
    expect(created.data.html_url).toBe(`${fake.url}/acme/models/issues/7#issuecomment-${created.data.id}`);

    const listed = await gh.rest.issues.listComments({ ...repo, issue_number: 7 });
    expect(listed.data.map((c) => c.body)).toEqual(['Report v1']);

    const updated = await gh.rest.issues.updateComment({ ...repo, comment_id: created.data.id, body: 'Report v2' });
    expect(updated.data.body).toBe('Report v2');
    expect((await gh.rest.issues.getComment({ ...repo, comment_id: created.data.id })).data.body).toBe('Report v2');

    expect((await gh.rest.issues.deleteComment({ ...repo, comment_id: created.data.id })).status).toBe(204);
    expect(await statusOf(gh.rest.issues.getComment({ ...repo, comment_id: created.data.id }))).toBe(404);
    expect(fake.state.listIssueComments('acme', 'models', 7)).toEqual([]);
    expect(fake.requests.map((r) => `${r.operationId} ${r.status}`)).toEqual([
      'issues/create-comment 201',
      'issues/list-comments 200',
      'issues/update-comment 200',
      'issues/get-comment 200',
      'issues/delete-comment 204',
      'issues/get-comment 404',
    ]);
    expect(fake.violations).toEqual([]);
  });

  it('paginates 65 comments with GitHub-style Link headers', async () => {
    for (let i = 1; i <= 64; i++)
      fake.state.addIssueComment({ ...repo, issue_number: 3, body: `c${i}`, login: 'alice' });
    await client().rest.issues.createComment({ ...repo, issue_number: 3, body: 'c65' });

    const all = await client().paginate(client().rest.issues.listComments, { ...repo, issue_number: 3, per_page: 30 });
    expect(all).toHaveLength(65);
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 65 }, (_, i) => `c${i + 1}`));
    expect(all[0]!.user).toMatchObject({ login: 'alice', type: 'User' });
    expect(all[64]!.user?.login).toBe('github-actions[bot]');
    expect(fake.requestsFor('issues/list-comments').map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);

    const base = `${fake.url}/repos/acme/models/issues/3/comments?per_page=30`;
    const first = await raw('/repos/acme/models/issues/3/comments?per_page=30');
    expect(first.headers.get('link')).toBe(`<${base}&page=2>; rel="next", <${base}&page=3>; rel="last"`);
    const middle = await raw('/repos/acme/models/issues/3/comments?per_page=30&page=2');
    expect(middle.headers.get('link')).toBe(
      `<${base}&page=1>; rel="prev", <${base}&page=3>; rel="next", <${base}&page=3>; rel="last", <${base}&page=1>; rel="first"`,
    );
    const last = await raw('/repos/acme/models/issues/3/comments?per_page=30&page=3');
    expect(((await last.json()) as unknown[]).length).toBe(5);
    expect(last.headers.get('link')).toBe(`<${base}&page=2>; rel="prev", <${base}&page=1>; rel="first"`);
    // Default page size is 30 and the maximum is 100.
    const count = async (query: string) =>
      ((await (await raw(`/repos/acme/models/issues/3/comments${query}`)).json()) as unknown[]).length;
    expect([await count(''), await count('?per_page=500')]).toEqual([30, 65]);
    expect(fake.violations).toEqual([]);
  });
});

describe('validation against the OpenAPI description', () => {
  it('rejects request bodies GitHub would reject, with a 422 and a violation', async () => {
    const gh = client();
    // The object form skips octokit's parameter typings, which (rightly) forbid these payloads.
    const noSha = gh.request({ method: 'POST', url: '/repos/{owner}/{repo}/check-runs', ...repo, name: 'gate' });
    await expect(noSha).rejects.toMatchObject({ status: 422 });
    expect(fake.violations).toEqual([
      `POST /repos/acme/models/check-runs: checks/create: body.head_sha: "head_sha" wasn't supplied`,
    ]);

    const badConclusion = await raw('/repos/acme/models/check-runs', {
      method: 'POST',
      body: JSON.stringify({ name: 'gate', head_sha: 'a'.repeat(40), conclusion: 'maybe' }),
    });
    expect(badConclusion.status).toBe(422);
    const error = (await badConclusion.json()) as {
      message: string;
      errors: Array<{ field: string }>;
      documentation_url: string;
    };
    expect(error.message).toMatch(/^Invalid request\.\n\nbody\.conclusion: must be one of "action_required"/);
    expect(error.errors.map((e) => e.field)).toEqual(['body.conclusion']);
    expect(error.documentation_url).toBe('https://docs.github.com/rest/reference/checks#create-a-check-run');

    const numericBody = gh.request({
      method: 'POST',
      url: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      ...repo,
      issue_number: 1,
      body: 42,
    });
    await expect(numericBody).rejects.toMatchObject({ status: 422 });
    expect(fake.violations.at(-1)).toBe(
      'POST /repos/acme/models/issues/1/comments: issues/create-comment: body.body: must be string',
    );
    expect(fake.state.issueComments).toEqual([]);

    expect((await raw('/repos/acme/models/issues/abc/comments')).status).toBe(422);
    expect(fake.violations.at(-1)).toContain('path.issue_number: must be integer');
    expect(fake.violations).toHaveLength(4);
  });

  it('answers 404 for routes outside the subset and flags unknown query parameters', async () => {
    expect((await raw('/repos/acme/models/hooks')).status).toBe(404);
    expect((await raw('/repos/acme/models', { method: 'DELETE' })).status).toBe(404);
    expect((await raw('/repos/acme/models?perpage=5')).status).toBe(200);
    expect(fake.violations).toEqual([
      'GET /repos/acme/models/hooks: no such route in the OpenAPI subset (@octokit/openapi@23.0.2)',
      'DELETE /repos/acme/models: method not allowed for this path in the OpenAPI subset (@octokit/openapi@23.0.2)',
      'GET /repos/acme/models: repos/get: unknown query parameter "perpage" (GitHub ignores it)',
    ]);
  });

  it("checks the fake's own responses against the success schemas (OpenAPI 3.0 nullable included)", () => {
    const subset = loadSubset();
    const op = subset.operation('issues/get-comment');
    const url = 'https://api.github.com/repos/o/r/issues/comments/1';
    const comment = { id: 1, node_id: 'IC_1', url, html_url: url, issue_url: url, user: null };
    const stamps = { created_at: '2024-05-01T10:00:00Z', updated_at: '2024-05-01T10:00:00Z' };
    expect(subset.validateResponse(op, 200, { ...comment, ...stamps })).toEqual([]);
    expect(
      subset.validateResponse(op, 200, { ...comment, created_at: 'yesterday', updated_at: stamps.updated_at }),
    ).toEqual(['response.created_at: must match format "date-time"']);
    expect(subset.validateResponse(op, 201, { ...comment, ...stamps })).toEqual([
      'status 201 is not a documented success status',
    ]);
  });

  it('requires an authorization header', async () => {
    const response = await fetch(`${fake.url}/repos/acme/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'Requires authentication' });
  });
});

describe('check runs', () => {
  const annotation = (line: number) => ({
    path: 'model.onnx',
    start_line: line,
    end_line: line,
    annotation_level: 'warning' as const,
    message: `m${line}`,
  });

  it('accumulates annotations across updates and caps each request at 50', async () => {
    const gh = client();
    const created = await gh.rest.checks.create({
      ...repo,
      name: 'modelgate',
      head_sha: 'b'.repeat(40),
      status: 'in_progress',
      output: {
        title: 'Gates',
        summary: 'running',
        annotations: Array.from({ length: 50 }, (_, i) => annotation(i + 1)),
      },
    });
    const id = created.data.id;
    const tooMany = Array.from({ length: 51 }, (_, i) => annotation(i + 1));
    await expect(
      gh.rest.checks.update({ ...repo, check_run_id: id, output: { summary: 'x', annotations: tooMany } }),
    ).rejects.toMatchObject({ status: 422 });
    expect(fake.violations).toEqual([
      `PATCH /repos/acme/models/check-runs/${id}: checks/update: body.output.annotations: must NOT have more than 50 items`,
    ]);
    fake.violations.length = 0;

    const done = await gh.rest.checks.update({
      ...repo,
      check_run_id: id,
      conclusion: 'failure',
      output: { title: 'Gates', summary: '1 gate failed', annotations: [annotation(51), annotation(52)] },
    });
    expect(done.data).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { annotations_count: 52, summary: '1 gate failed' },
    });
    expect(done.data.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const annotations = await gh.paginate(gh.rest.checks.listAnnotations, { ...repo, check_run_id: id, per_page: 100 });
    expect(annotations.map((a) => a.message)).toEqual(Array.from({ length: 52 }, (_, i) => `m${i + 1}`));
    expect(fake.state.getCheckRun('acme', 'models', id).annotationBatches).toBe(2);
    expect(fake.violations).toEqual([]);
  });
});

describe('fault injection', () => {
  it('serves each fault kind to the matching requests only, then recovers', async () => {
    fake.injectFault({ match: { operationId: 'repos/get' }, kind: { type: 'rate-limit-429', retryAfter: 7 } });
    const r429 = await raw('/repos/acme/models');
    expect([r429.status, r429.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await raw('/repos/acme/models')).status).toBe(200);

    fake.injectFault({
      match: { method: 'GET', pathIncludes: '/models' },
      times: 2,
      kind: { type: 'server-error', status: 502 },
    });
    expect((await raw('/repos/acme/models')).status).toBe(502);
    expect((await raw('/repos/acme/models')).status).toBe(502);
    expect((await raw('/repos/acme/models')).status).toBe(200);

    fake.injectFault({ kind: { type: 'secondary-rate-limit', retryAfter: 30 } });
    const secondary = await raw('/repos/acme/models');
    expect([secondary.status, secondary.headers.get('retry-after')]).toEqual([403, '30']);
    expect(((await secondary.json()) as { message: string }).message).toMatch(
      /^You have exceeded a secondary rate limit/,
    );

    fake.injectFault({ kind: { type: 'primary-rate-limit', resetInSeconds: 120 } });
    const primary = await raw('/repos/acme/models');
    expect([primary.status, primary.headers.get('x-ratelimit-remaining')]).toEqual([403, '0']);
    expect(Number(primary.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 + 100);

    fake.injectFault({ match: { operationId: 'issues/create-comment' }, kind: { type: 'drop-connection' } });
    await expect(client().rest.issues.createComment({ ...repo, issue_number: 1, body: 'x' })).rejects.toThrow();
    expect(fake.requests.at(-1)).toMatchObject({
      operationId: 'issues/create-comment',
      status: 'dropped',
      body: { body: 'x' },
    });
    expect(fake.state.issueComments).toHaveLength(0);
    expect((await client().rest.issues.createComment({ ...repo, issue_number: 1, body: 'x' })).status).toBe(201);

    fake.injectFault({ match: { operationId: 'issues/list-comments' }, kind: { type: 'api-error', status: 404, message: 'Not Found' } });
    const missing = await raw('/repos/acme/models/issues/1/comments');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found', documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com\/rest/), status: '404' });
    expect(fake.violations).toEqual([]);
  });
});

describe('commit comments', () => {
  it('lists a commit\'s comments oldest first, edits and deletes one', async () => {
    const gh = client();
    const sha = 'e'.repeat(40);
    const first = await gh.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'one' });
    await gh.rest.repos.createCommitComment({ ...repo, commit_sha: 'd'.repeat(40), body: 'elsewhere' });
    await gh.rest.repos.createCommitComment({ ...repo, commit_sha: sha, body: 'two' });
    const listed = await gh.rest.repos.listCommentsForCommit({ ...repo, commit_sha: sha, per_page: 100 });
    expect(listed.data.map((c) => c.body)).toEqual(['one', 'two']);
    const edited = await gh.rest.repos.updateCommitComment({ ...repo, comment_id: first.data.id, body: 'one, edited' });
    expect(edited.data).toMatchObject({ id: first.data.id, body: 'one, edited', commit_id: sha });
    expect((await gh.rest.repos.deleteCommitComment({ ...repo, comment_id: first.data.id })).status).toBe(204);
    expect(await statusOf(gh.rest.repos.updateCommitComment({ ...repo, comment_id: first.data.id, body: 'x' }))).toBe(404);
    expect(fake.state.listCommitComments('acme', 'models', sha).map((c) => c.body)).toEqual(['two']);
    expect(fake.violations).toEqual([]);
  });
});

describe('token permissions and identity', () => {
  it('answers 403 to writes with a read-only token', async () => {
    await start({ permissions: 'read' });
    const denied = client().rest.issues.createComment({ ...repo, issue_number: 1, body: 'x' });
    await expect(denied).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    expect((await client().rest.issues.listComments({ ...repo, issue_number: 1 })).status).toBe(200);

    fake.setPermissions({ checks: 'read' });
    expect(await statusOf(client().rest.checks.create({ ...repo, name: 'gate', head_sha: 'c'.repeat(40) }))).toBe(403);
    expect(await statusOf(client().rest.issues.createComment({ ...repo, issue_number: 1, body: 'x' }))).toBe(201);
    expect(fake.violations).toEqual([]);
  });

  it('reports the viewer on GET /user unless the token is an installation token', async () => {
    await start({ userEndpoint: 'forbidden' });
    expect(await statusOf(client().rest.users.getAuthenticated())).toBe(403);
    fake.setUserEndpoint('ok');
    fake.setViewer('octocat', 'User');
    expect((await client().rest.users.getAuthenticated()).data).toMatchObject({ login: 'octocat', type: 'User' });
    expect((await client().rest.issues.createComment({ ...repo, issue_number: 2, body: 'hi' })).data.user?.login).toBe(
      'octocat',
    );
    expect(fake.violations).toEqual([]);
  });
});

describe('releases', () => {
  it('creates a draft, uploads an asset, downloads the same bytes and publishes', async () => {
    const gh = client();
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255, ...Buffer.from('onnx-model')]);
    const draft = await gh.rest.repos.createRelease({ ...repo, tag_name: 'v1.0.0', name: 'Model v1', draft: true });
    expect(draft.data).toMatchObject({ draft: true, published_at: null, tag_name: 'v1.0.0' });
    expect(draft.data.upload_url).toBe(
      `${fake.uploadUrl}/repos/acme/models/releases/${draft.data.id}/assets{?name,label}`,
    );
    // Drafts have no tag yet: GitHub's get-by-tag does not see them.
    expect(await statusOf(gh.rest.repos.getReleaseByTag({ ...repo, tag: 'v1.0.0' }))).toBe(404);

    const upload = await gh.request({
      method: 'POST',
      url: draft.data.upload_url,
      name: 'model v1.onnx',
      data: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(upload.status).toBe(201);
    expect(upload.data).toMatchObject({ name: 'model.v1.onnx', size: bytes.length, state: 'uploaded' });
    expect(fake.requestsFor('repos/upload-release-asset')[0]).toMatchObject({
      host: 'uploads',
      bodyLength: bytes.length,
      query: { name: 'model v1.onnx' },
    });

    const download = await gh.rest.repos.getReleaseAsset({
      ...repo,
      asset_id: upload.data.id,
      headers: { accept: 'application/octet-stream' },
    });
    expect(Buffer.from(download.data as unknown as ArrayBuffer)).toEqual(bytes);

    const published = await gh.rest.repos.updateRelease({ ...repo, release_id: draft.data.id, draft: false });
    expect(published.data.draft).toBe(false);
    expect(published.data.published_at).not.toBeNull();
    const byTag = await gh.rest.repos.getReleaseByTag({ ...repo, tag: 'v1.0.0' });
    expect(byTag.data.assets.map((a) => [a.name, a.download_count])).toEqual([['model.v1.onnx', 1]]);
    expect(fake.state.refsOf('acme', 'models').get('refs/tags/v1.0.0')).toBe(
      fake.state.resolveCommitish('acme', 'models', 'main'),
    );
    const web = await fetch(byTag.data.assets[0]!.browser_download_url);
    expect(Buffer.from(await web.arrayBuffer())).toEqual(bytes);
    expect(fake.violations).toEqual([]);
  });

  it('marks "Latest" as GitHub documents make_latest: by default on publishing, never a draft or prerelease, kept by false', async () => {
    const gh = client();
    const latest = () => fake.state.latestRelease('acme', 'models')?.tag_name;
    await gh.rest.repos.createRelease({ ...repo, tag_name: 'v1.0.0' });
    expect(latest()).toBe('v1.0.0');
    const draft = await gh.rest.repos.createRelease({ ...repo, tag_name: 'v1.1.0', draft: true, make_latest: 'true' });
    await gh.rest.repos.createRelease({ ...repo, tag_name: 'v2.0.0-rc.1', prerelease: true });
    await gh.rest.repos.createRelease({ ...repo, tag_name: 'churn/v1.0.0', make_latest: 'false' });
    expect(latest()).toBe('v1.0.0');
    await gh.rest.repos.updateRelease({ ...repo, release_id: draft.data.id, draft: false, make_latest: 'false' });
    expect(latest()).toBe('v1.0.0');
    await gh.rest.repos.updateRelease({ ...repo, release_id: draft.data.id, body: 'edited' });
    expect(latest()).toBe('v1.0.0');
    await gh.rest.repos.updateRelease({ ...repo, release_id: draft.data.id, make_latest: 'true' });
    expect(latest()).toBe('v1.1.0');
    expect(fake.violations).toEqual([]);
  });

  it('rejects duplicate asset names, duplicate tags and uploads sent to the API host', async () => {
    const gh = client();
    const release = await gh.rest.repos.createRelease({ ...repo, tag_name: 'v2' });
    const upload = {
      ...repo,
      release_id: release.data.id,
      name: 'a.bin',
      data: 'x' as unknown as string,
      headers: { 'content-type': 'application/octet-stream' },
    };
    expect((await gh.rest.repos.uploadReleaseAsset({ ...upload, baseUrl: fake.uploadUrl })).status).toBe(201);
    await expect(gh.rest.repos.uploadReleaseAsset({ ...upload, baseUrl: fake.uploadUrl })).rejects.toMatchObject({
      status: 422,
    });
    await expect(gh.rest.repos.createRelease({ ...repo, tag_name: 'v2' })).rejects.toMatchObject({ status: 422 });
    expect(fake.violations).toEqual([]);

    await expect(
      gh.rest.repos.uploadReleaseAsset({ ...upload, name: 'b.bin', baseUrl: fake.url }),
    ).rejects.toMatchObject({ status: 404 });
    expect(fake.violations).toEqual([
      `POST /repos/acme/models/releases/${release.data.id}/assets: repos/upload-release-asset must be sent to the upload URL (uploads.github.com)`,
    ]);
  });
});

describe('git refs and tags', () => {
  it('creates, reads, moves and deletes refs with GitHub error semantics', async () => {
    const gh = client();
    const sha = 'd'.repeat(40);
    const created = await gh.rest.git.createRef({ ...repo, ref: 'refs/heads/release/v1', sha });
    expect(created.data).toMatchObject({ ref: 'refs/heads/release/v1', object: { sha, type: 'commit' } });
    const duplicate = gh.rest.git.createRef({ ...repo, ref: 'refs/heads/release/v1', sha });
    await expect(duplicate).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('Reference already exists'),
    });

    // octokit sends "heads%2Frelease%2Fv1"; raw slashes work too.
    expect((await gh.rest.git.getRef({ ...repo, ref: 'heads/release/v1' })).data.object.sha).toBe(sha);
    expect((await raw('/repos/acme/models/git/ref/heads/release/v1')).status).toBe(200);
    const moved = await gh.rest.git.updateRef({ ...repo, ref: 'heads/release/v1', sha: 'e'.repeat(40), force: true });
    expect(moved.data.object.sha).toBe('e'.repeat(40));
    expect((await gh.rest.git.deleteRef({ ...repo, ref: 'heads/release/v1' })).status).toBe(204);
    expect(await statusOf(gh.rest.git.getRef({ ...repo, ref: 'heads/release/v1' }))).toBe(404);
    expect(await statusOf(gh.rest.git.deleteRef({ ...repo, ref: 'heads/release/v1' }))).toBe(422);

    const tag = await gh.rest.git.createTag({ ...repo, tag: 'v3', message: 'Model v3', object: sha, type: 'commit' });
    expect(tag.data).toMatchObject({
      tag: 'v3',
      object: { sha, type: 'commit' },
      tagger: { name: 'github-actions[bot]' },
    });
    const tagRef = await gh.rest.git.createRef({ ...repo, ref: 'refs/tags/v3', sha: tag.data.sha });
    expect(tagRef.data.object.type).toBe('tag');
    expect(fake.violations).toEqual([]);
  });
});

describe('GraphQL minimizeComment', () => {
  it('minimizes a comment by node id and flags malformed mutations', async () => {
    const gh = client();
    const comment = await gh.rest.issues.createComment({ ...repo, issue_number: 5, body: 'old report' });
    const result = await gh.graphql<{ minimizeComment: { minimizedComment: { isMinimized: boolean } } }>(
      'mutation($id: ID!) { minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) { minimizedComment { isMinimized } } }',
      { id: comment.data.node_id },
    );
    expect(result.minimizeComment.minimizedComment.isMinimized).toBe(true);
    expect(fake.state.issueComments[0]!.minimized).toBe('OUTDATED');
    expect((await gh.rest.issues.getComment({ ...repo, comment_id: comment.data.id })).data).toMatchObject({
      minimized: { reason: 'outdated' },
    });
    expect(fake.violations).toEqual([]);

    const bad = gh.graphql(
      `mutation { minimizeComment(input: { subjectId: "${comment.data.node_id}", classifier: MAYBE }) { clientMutationId } }`,
    );
    await expect(bad).rejects.toThrow(/invalid value \(MAYBE\)/);
    expect(fake.violations).toEqual(['POST /graphql: graphql minimizeComment: invalid classifier "MAYBE"']);
  });
});

describe('read-only resources', () => {
  it('serves repository, pull request, workflow run, artifacts, app and commit comments that match the schemas', async () => {
    const gh = client();
    fake.state.addPullRequest({ ...repo, number: 12, head_sha: 'f'.repeat(40), title: 'Retrain' });
    fake.state.addWorkflowRun({ ...repo, id: 999 });
    fake.state.addArtifact({ ...repo, run_id: 999, name: 'report' });
    fake.state.addArtifact({ ...repo, run_id: 999, name: 'model' });

    expect((await gh.rest.repos.get(repo)).data).toMatchObject({ default_branch: 'main', full_name: 'acme/models' });
    expect((await gh.rest.pulls.get({ ...repo, pull_number: 12 })).data).toMatchObject({
      number: 12,
      head: { sha: 'f'.repeat(40) },
      base: { ref: 'main' },
    });
    expect(await statusOf(gh.rest.pulls.get({ ...repo, pull_number: 13 }))).toBe(404);
    expect((await gh.rest.actions.getWorkflowRun({ ...repo, run_id: 999 })).data.id).toBe(999);
    const artifacts = await gh.rest.actions.listWorkflowRunArtifacts({ ...repo, run_id: 999, name: 'model' });
    expect(artifacts.data).toMatchObject({ total_count: 1, artifacts: [{ name: 'model' }] });
    expect((await gh.rest.apps.getAuthenticated()).data?.slug).toBe('github-actions');
    const commitComment = await gh.rest.repos.createCommitComment({
      ...repo,
      commit_sha: 'f'.repeat(40),
      body: 'metrics',
      path: 'README.md',
      line: 1,
    });
    expect(commitComment.data).toMatchObject({ commit_id: 'f'.repeat(40), path: 'README.md', line: 1, position: null });
    expect(fake.violations).toEqual([]);
  });
});
