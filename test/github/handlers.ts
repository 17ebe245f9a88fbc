/**
 * One handler per OpenAPI operation. Handlers receive requests that already
 * passed schema validation, apply GitHub's semantics to the state, and return
 * the JSON (or bytes) GitHub would send. Domain failures throw ApiError.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Renderer } from './render.js';
import {
  ApiError,
  fakeSha,
  isoNow,
  type Annotation,
  type CheckRun,
  type FakeState,
  type Release,
  type User,
} from './state.js';

export interface HandlerContext {
  owner: string;
  repo: string;
  /** Coerced, validated path + query parameter values (with schema defaults applied). */
  params: Record<string, unknown>;
  /** Parsed JSON body, or undefined. Already schema-validated, so handlers read fields without re-checking. */
  body: any;
  raw: Buffer;
  headers: IncomingHttpHeaders;
  viewer: User;
  state: FakeState;
  render: Renderer;
  /** Absolute URL of this request, used to build Link headers. */
  url: URL;
  /** When false, `GET /user` answers 403 like an installation token (GITHUB_TOKEN) does. */
  userEndpointAllowed: boolean;
}

export interface Reply {
  status: number;
  json?: unknown;
  bytes?: Buffer;
  headers?: Record<string, string>;
}

type Handler = (ctx: HandlerContext) => Reply;

const ok = (json: unknown, status = 200): Reply => ({ status, json });
const noContent: Reply = { status: 204 };
const num = (v: unknown) => v as number;

/** Slices a list by `per_page`/`page` and builds GitHub's `Link` header (prev, next, last, first). */
export function paginate<T>(items: T[], ctx: HandlerContext): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(num(ctx.params.per_page ?? 30), 1), 100);
  const page = Math.max(num(ctx.params.page ?? 1), 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const pageUrl = (n: number) => {
    const u = new URL(ctx.url);
    u.searchParams.set('page', String(n));
    return `<${u.href}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${pageUrl(page - 1)}; rel="prev"`);
  if (page < last) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`);
  if (page > 1) links.push(`${pageUrl(1)}; rel="first"`);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

function list<T>(ctx: HandlerContext, items: T[], render: (item: T) => unknown): Reply {
  const page = paginate(items, ctx);
  return { status: 200, json: page.items.map(render), headers: page.headers };
}

function validationFailed(resource: string, field: string, code: string): ApiError {
  return new ApiError(422, 'Validation Failed', [{ resource, code, field }]);
}

// ---- check runs ----------------------------------------------------------------

/** Shared create/update semantics: a conclusion implies completion; annotations accumulate. */
function applyCheckRunFields(run: CheckRun, body: any): void {
  for (const key of ['name', 'details_url', 'external_id', 'started_at', 'completed_at'] as const) {
    if (body[key] !== undefined) run[key] = body[key];
  }
  if (body.status !== undefined) run.status = body.status;
  if (body.conclusion !== undefined) {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed') {
    if (run.conclusion === null) {
      throw new ApiError(422, 'Invalid request.\n\nNo conclusion given for a completed check run.');
    }
    run.completed_at ??= isoNow();
  }
  if (body.output) {
    run.output = {
      title: body.output.title ?? run.output.title,
      summary: body.output.summary ?? run.output.summary,
      text: body.output.text ?? run.output.text,
    };
    const annotations: Annotation[] = body.output.annotations ?? [];
    if (annotations.length > 0) {
      run.annotations.push(...annotations);
      run.annotationBatches++;
    }
  }
}

// ---- releases ------------------------------------------------------------------

/** Publishing a release whose tag does not exist creates the tag at target_commitish, as GitHub does. */
function ensureTagRef(state: FakeState, r: Release): void {
  const refs = state.refsOf(r.owner, r.repo);
  const ref = `refs/tags/${r.tag_name}`;
  if (!refs.has(ref)) refs.set(ref, state.resolveCommitish(r.owner, r.repo, r.target_commitish));
}

function assertTagFree(state: FakeState, r: { owner: string; repo: string; tag_name: string; id?: number }): void {
  const clash = state.listReleases(r.owner, r.repo).find((o) => o.tag_name === r.tag_name && !o.draft && o.id !== r.id);
  if (clash) throw validationFailed('Release', 'tag_name', 'already_exists');
}

/** GitHub replaces characters it does not allow in asset names with dots. */
export function sanitizeAssetName(name: string): string {
  return name.replace(/[^A-Za-z0-9._+@-]/g, '.').replace(/^\.+|\.+$/g, '');
}

// ---- git refs -------------------------------------------------------------------

/** The path parameter omits the leading "refs/" (e.g. "heads/main"), as GitHub's ref endpoints expect. */
function refTarget(ctx: HandlerContext): { full: string; refs: Map<string, string> } {
  return { full: `refs/${ctx.params.ref as string}`, refs: ctx.state.refsOf(ctx.owner, ctx.repo) };
}

function refJson(ctx: HandlerContext, ref: string, sha: string) {
  const isTag = ctx.state.gitTags.some((t) => t.sha === sha);
  return ctx.render.gitRef(ctx.owner, ctx.repo, ref, sha, isTag ? 'tag' : 'commit');
}

export const handlers: Record<string, Handler> = {
  'issues/list-comments': (ctx) => {
    const since = ctx.params.since === undefined ? undefined : Date.parse(ctx.params.since as string);
    const comments = ctx.state
      .listIssueComments(ctx.owner, ctx.repo, num(ctx.params.issue_number))
      .filter((c) => since === undefined || Date.parse(c.updated_at) >= since);
    return list(ctx, comments, (c) => ctx.render.issueComment(c));
  },
  'issues/create-comment': (ctx) => {
    const comment = ctx.state.addIssueComment({
      owner: ctx.owner,
      repo: ctx.repo,
      issue_number: num(ctx.params.issue_number),
      body: ctx.body.body,
      login: ctx.viewer.login,
    });
    return ok(ctx.render.issueComment(comment), 201);
  },
  'issues/get-comment': (ctx) =>
    ok(ctx.render.issueComment(ctx.state.getIssueComment(ctx.owner, ctx.repo, num(ctx.params.comment_id)))),
  'issues/update-comment': (ctx) =>
    ok(
      ctx.render.issueComment(
        ctx.state.updateIssueComment(ctx.owner, ctx.repo, num(ctx.params.comment_id), ctx.body.body),
      ),
    ),
  'issues/delete-comment': (ctx) => {
    ctx.state.deleteIssueComment(ctx.owner, ctx.repo, num(ctx.params.comment_id));
    return noContent;
  },
  'repos/create-commit-comment': (ctx) => {
    const comment = ctx.state.addCommitComment({
      owner: ctx.owner,
      repo: ctx.repo,
      commit_id: ctx.params.commit_sha as string,
      login: ctx.viewer.login,
      body: ctx.body.body,
      path: ctx.body.path,
      position: ctx.body.position,
      line: ctx.body.line,
    });
    return ok(ctx.render.commitComment(comment), 201);
  },
  'repos/list-comments-for-commit': (ctx) => {
    const comments = ctx.state.listCommitComments(ctx.owner, ctx.repo, ctx.params.commit_sha as string);
    return list(ctx, comments, (c) => ctx.render.commitComment(c));
  },
  'repos/update-commit-comment': (ctx) => {
    const comment = ctx.state.updateCommitComment(ctx.owner, ctx.repo, num(ctx.params.comment_id), ctx.body.body);
    return ok(ctx.render.commitComment(comment));
  },
  'repos/delete-commit-comment': (ctx) => {
    ctx.state.deleteCommitComment(ctx.owner, ctx.repo, num(ctx.params.comment_id));
    return noContent;
  },
  'pulls/get': (ctx) =>
    ok(
      ctx.render.pullRequest(
        ctx.owner,
        ctx.repo,
        ctx.state.getPullRequest(ctx.owner, ctx.repo, num(ctx.params.pull_number)),
      ),
    ),

  'checks/create': (ctx) => {
    const id = ctx.state.newId();
    const run: CheckRun = {
      id,
      node_id: ctx.state.nodeId('CR', id),
      owner: ctx.owner,
      repo: ctx.repo,
      name: ctx.body.name,
      head_sha: ctx.body.head_sha,
      status: 'queued',
      conclusion: null,
      started_at: isoNow(),
      completed_at: null,
      details_url: null,
      external_id: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      annotationBatches: 0,
    };
    applyCheckRunFields(run, ctx.body);
    ctx.state.checkRuns.push(run);
    return ok(ctx.render.checkRun(run), 201);
  },
  'checks/update': (ctx) => {
    const run = ctx.state.getCheckRun(ctx.owner, ctx.repo, num(ctx.params.check_run_id));
    // Validate on a copy so a rejected update leaves the stored run untouched.
    const next: CheckRun = structuredClone(run);
    applyCheckRunFields(next, ctx.body);
    Object.assign(run, next);
    return ok(ctx.render.checkRun(run));
  },
  'checks/get': (ctx) =>
    ok(ctx.render.checkRun(ctx.state.getCheckRun(ctx.owner, ctx.repo, num(ctx.params.check_run_id)))),
  'checks/list-annotations': (ctx) => {
    const run = ctx.state.getCheckRun(ctx.owner, ctx.repo, num(ctx.params.check_run_id));
    return list(ctx, run.annotations, (a) => ctx.render.annotation(run, a));
  },

  'repos/create-release': (ctx) => {
    const now = isoNow();
    const id = ctx.state.newId();
    const release: Release = {
      id,
      node_id: ctx.state.nodeId('RE', id),
      owner: ctx.owner,
      repo: ctx.repo,
      tag_name: ctx.body.tag_name,
      target_commitish: ctx.body.target_commitish ?? ctx.state.defaultBranch,
      name: ctx.body.name ?? null,
      body: ctx.body.body ?? null,
      draft: ctx.body.draft ?? false,
      prerelease: ctx.body.prerelease ?? false,
      created_at: now,
      updated_at: now,
      published_at: ctx.body.draft ? null : now,
      author: ctx.viewer,
      assets: [],
    };
    if (!release.draft) {
      assertTagFree(ctx.state, release);
      ensureTagRef(ctx.state, release);
    }
    ctx.state.releases.push(release);
    ctx.state.applyMakeLatest(release, ctx.body.make_latest, !release.draft);
    return ok(ctx.render.release(release), 201);
  },
  'repos/update-release': (ctx) => {
    const release = ctx.state.getRelease(ctx.owner, ctx.repo, num(ctx.params.release_id));
    const body = ctx.body ?? {};
    const next = { ...release, ...pick(body, ['tag_name', 'target_commitish', 'name', 'body', 'draft', 'prerelease']) };
    if (!next.draft) assertTagFree(ctx.state, next);
    const publishing = release.draft && !next.draft;
    if (publishing) next.published_at = isoNow();
    next.updated_at = isoNow();
    Object.assign(release, next);
    if (!release.draft) ensureTagRef(ctx.state, release);
    ctx.state.applyMakeLatest(release, body.make_latest, publishing);
    return ok(ctx.render.release(release));
  },
  'repos/get-release': (ctx) =>
    ok(ctx.render.release(ctx.state.getRelease(ctx.owner, ctx.repo, num(ctx.params.release_id)))),
  'repos/get-release-by-tag': (ctx) =>
    ok(ctx.render.release(ctx.state.getReleaseByTag(ctx.owner, ctx.repo, ctx.params.tag as string))),
  'repos/list-releases': (ctx) => list(ctx, ctx.state.listReleases(ctx.owner, ctx.repo), (r) => ctx.render.release(r)),
  'repos/delete-release': (ctx) => {
    const release = ctx.state.getRelease(ctx.owner, ctx.repo, num(ctx.params.release_id));
    ctx.state.releases.splice(ctx.state.releases.indexOf(release), 1);
    return noContent;
  },
  'repos/list-release-assets': (ctx) => {
    const release = ctx.state.getRelease(ctx.owner, ctx.repo, num(ctx.params.release_id));
    return list(ctx, release.assets, (a) => ctx.render.asset(release, a));
  },
  'repos/get-release-asset': (ctx) => {
    const { release, asset } = ctx.state.findAsset(ctx.owner, ctx.repo, num(ctx.params.asset_id));
    if (String(ctx.headers.accept ?? '').includes('application/octet-stream')) {
      // Real GitHub answers 302 to a storage host; serving the bytes directly is equivalent for clients that follow redirects.
      asset.download_count++;
      return { status: 200, bytes: asset.data, headers: { 'content-type': 'application/octet-stream' } };
    }
    return ok(ctx.render.asset(release, asset));
  },
  'repos/delete-release-asset': (ctx) => {
    const { release, asset } = ctx.state.findAsset(ctx.owner, ctx.repo, num(ctx.params.asset_id));
    release.assets.splice(release.assets.indexOf(asset), 1);
    return noContent;
  },
  'repos/upload-release-asset': (ctx) => {
    const release = ctx.state.getRelease(ctx.owner, ctx.repo, num(ctx.params.release_id));
    const contentType = ctx.headers['content-type'];
    if (!contentType) throw new ApiError(422, 'Bad Content-Type header: a Content-Type is required for uploads');
    const name = sanitizeAssetName(ctx.params.name as string);
    if (release.assets.some((a) => a.name === name)) throw validationFailed('ReleaseAsset', 'name', 'already_exists');
    const now = isoNow();
    const id = ctx.state.newId();
    const asset = {
      id,
      node_id: ctx.state.nodeId('RA', id),
      release_id: release.id,
      name,
      label: (ctx.params.label as string | undefined) ?? null,
      content_type: contentType,
      data: ctx.raw,
      uploader: ctx.viewer,
      download_count: 0,
      created_at: now,
      updated_at: now,
    };
    release.assets.push(asset);
    return ok(ctx.render.asset(release, asset), 201);
  },

  'git/create-ref': (ctx) => {
    const { ref, sha } = ctx.body as { ref: string; sha: string };
    if (!/^refs\/[^/]+\/.+/.test(ref))
      throw new ApiError(422, 'Reference name must start with refs/ and have at least two slashes.');
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new ApiError(422, 'Object does not exist');
    const refs = ctx.state.refsOf(ctx.owner, ctx.repo);
    if (refs.has(ref)) throw new ApiError(422, 'Reference already exists');
    refs.set(ref, sha);
    return ok(refJson(ctx, ref, sha), 201);
  },
  'git/get-ref': (ctx) => {
    const { full, refs } = refTarget(ctx);
    const sha = refs.get(full);
    if (!sha) throw new ApiError(404, 'Not Found');
    return ok(refJson(ctx, full, sha));
  },
  'git/update-ref': (ctx) => {
    const { full, refs } = refTarget(ctx);
    if (!refs.has(full)) throw new ApiError(422, 'Reference does not exist');
    if (!/^[0-9a-f]{40}$/.test(ctx.body.sha)) throw new ApiError(422, 'Object does not exist');
    // The fake has no commit graph, so it cannot reject non-fast-forward updates without `force`.
    refs.set(full, ctx.body.sha);
    return ok(refJson(ctx, full, ctx.body.sha));
  },
  'git/delete-ref': (ctx) => {
    const { full, refs } = refTarget(ctx);
    if (!refs.delete(full)) throw new ApiError(422, 'Reference does not exist');
    return noContent;
  },
  'git/create-tag': (ctx) => {
    const b = ctx.body;
    const sha = fakeSha(`tag:${b.tag}:${b.object}:${b.message}`);
    const tag = {
      sha,
      node_id: `TAG_kwDO${sha.slice(0, 12)}`,
      tag: b.tag,
      message: b.message,
      object: { sha: b.object, type: b.type },
      tagger: {
        name: b.tagger?.name ?? ctx.viewer.login,
        email: b.tagger?.email ?? `${ctx.viewer.id}+${ctx.viewer.login}@users.noreply.github.com`,
        date: b.tagger?.date ?? isoNow(),
      },
    };
    ctx.state.gitTags.push(tag);
    return ok(ctx.render.gitTag(ctx.owner, ctx.repo, tag), 201);
  },

  'repos/get': (ctx) => ok(ctx.render.repository(ctx.owner, ctx.repo, true)),
  'users/get-authenticated': (ctx) => {
    if (!ctx.userEndpointAllowed) throw new ApiError(403, 'Resource not accessible by integration');
    return ok(ctx.render.authenticatedUser(ctx.viewer));
  },
  'apps/get-authenticated': (ctx) => ok(ctx.render.app()),

  'actions/get-workflow-run': (ctx) =>
    ok(
      ctx.render.workflowRun(
        ctx.owner,
        ctx.repo,
        ctx.state.getWorkflowRun(ctx.owner, ctx.repo, num(ctx.params.run_id)),
      ),
    ),
  'actions/list-workflow-run-artifacts': (ctx) => {
    const name = ctx.params.name as string | undefined;
    const all = ctx.state
      .listArtifacts(ctx.owner, ctx.repo, num(ctx.params.run_id))
      .filter((a) => !name || a.name === name);
    if (ctx.params.direction === 'desc') all.reverse();
    const page = paginate(all, ctx);
    return {
      status: 200,
      json: { total_count: all.length, artifacts: page.items.map((a) => ctx.render.artifact(ctx.owner, ctx.repo, a)) },
      headers: page.headers,
    };
  },
};

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}
