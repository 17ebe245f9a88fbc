/**
 * In-memory repository data behind the fake GitHub server. Tests read it to
 * assert on what an action did and write it to seed a scenario (comments by
 * other users, pull requests, workflow runs). Every repository implicitly exists.
 * Domain rules that GitHub enforces beyond its OpenAPI schema (duplicate refs,
 * duplicate tags, missing records) throw ApiError, which the server renders.
 */
import {
  ApiError,
  GITHUB_ACTIONS_BOT,
  fakeSha,
  isoNow,
  type Artifact,
  type CheckRun,
  type CommitComment,
  type GitTag,
  type IssueComment,
  type PullRequest,
  type Release,
  type ReleaseAsset,
  type User,
  type UserType,
  type WorkflowRun,
} from './records.js';

export * from './records.js';

const repoKey = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

export class FakeState {
  /** Default branch of every repository; `refs/heads/main` exists from the start. */
  readonly defaultBranch = 'main';
  readonly users = new Map<string, User>([[GITHUB_ACTIONS_BOT.login, GITHUB_ACTIONS_BOT]]);
  readonly issueComments: IssueComment[] = [];
  readonly commitComments: CommitComment[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly releases: Release[] = [];
  readonly gitTags: GitTag[] = [];
  readonly pullRequests = new Map<string, PullRequest>();
  readonly workflowRuns = new Map<string, WorkflowRun>();
  readonly artifacts: Array<Artifact & { owner: string; repo: string }> = [];
  private readonly refs = new Map<string, Map<string, string>>();
  /** Id of each repository's "Latest" release. */
  private readonly latestReleaseIds = new Map<string, number>();
  private readonly repoIds = new Map<string, number>();
  private nextId = 1_000_001;

  /** Ids are unique across all record kinds, like GitHub's database ids look. */
  newId(): number {
    return this.nextId++;
  }

  nodeId(prefix: string, id: number): string {
    return `${prefix}_kwDO${Buffer.from(String(id)).toString('base64url')}`;
  }

  user(login: string, type?: UserType): User {
    let user = this.users.get(login);
    if (!user) {
      user = { login, id: 5_000_000 + this.users.size, type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') };
      this.users.set(login, user);
    } else if (type) {
      user.type = type;
    }
    return user;
  }

  repoId(owner: string, repo: string): number {
    const key = repoKey(owner, repo);
    let id = this.repoIds.get(key);
    if (id === undefined) {
      id = 700_000_000 + this.repoIds.size;
      this.repoIds.set(key, id);
    }
    return id;
  }

  // ---- issue and commit comments -------------------------------------------------

  addIssueComment(input: {
    owner: string;
    repo: string;
    issue_number: number;
    body: string;
    login: string;
  }): IssueComment {
    const now = isoNow();
    const id = this.newId();
    const comment: IssueComment = {
      kind: 'issue-comment',
      id,
      node_id: this.nodeId('IC', id),
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issue_number,
      body: input.body,
      user: this.user(input.login),
      created_at: now,
      updated_at: now,
      minimized: null,
    };
    this.issueComments.push(comment);
    return comment;
  }

  listIssueComments(owner: string, repo: string, issueNumber: number): IssueComment[] {
    const key = repoKey(owner, repo);
    return this.issueComments.filter((c) => repoKey(c.owner, c.repo) === key && c.issue_number === issueNumber);
  }

  getIssueComment(owner: string, repo: string, id: number): IssueComment {
    const comment = this.issueComments.find((c) => c.id === id && repoKey(c.owner, c.repo) === repoKey(owner, repo));
    if (!comment) throw new ApiError(404, 'Not Found');
    return comment;
  }

  updateIssueComment(owner: string, repo: string, id: number, body: string): IssueComment {
    const comment = this.getIssueComment(owner, repo, id);
    comment.body = body;
    comment.updated_at = isoNow();
    return comment;
  }

  deleteIssueComment(owner: string, repo: string, id: number): void {
    const comment = this.getIssueComment(owner, repo, id);
    this.issueComments.splice(this.issueComments.indexOf(comment), 1);
  }

  addCommitComment(input: {
    owner: string;
    repo: string;
    commit_id: string;
    body: string;
    login: string;
    path?: string;
    position?: number;
    line?: number;
  }): CommitComment {
    const now = isoNow();
    const id = this.newId();
    const comment: CommitComment = {
      kind: 'commit-comment',
      id,
      node_id: this.nodeId('CC', id),
      owner: input.owner,
      repo: input.repo,
      commit_id: input.commit_id,
      body: input.body,
      path: input.path ?? null,
      position: input.position ?? null,
      line: input.line ?? null,
      user: this.user(input.login),
      created_at: now,
      updated_at: now,
      minimized: null,
    };
    this.commitComments.push(comment);
    return comment;
  }

  /** Oldest first, as GitHub lists them. */
  listCommitComments(owner: string, repo: string, commitSha: string): CommitComment[] {
    const key = repoKey(owner, repo);
    return this.commitComments.filter((c) => repoKey(c.owner, c.repo) === key && c.commit_id === commitSha);
  }

  getCommitComment(owner: string, repo: string, id: number): CommitComment {
    const comment = this.commitComments.find((c) => c.id === id && repoKey(c.owner, c.repo) === repoKey(owner, repo));
    if (!comment) throw new ApiError(404, 'Not Found');
    return comment;
  }

  updateCommitComment(owner: string, repo: string, id: number, body: string): CommitComment {
    const comment = this.getCommitComment(owner, repo, id);
    comment.body = body;
    comment.updated_at = isoNow();
    return comment;
  }

  deleteCommitComment(owner: string, repo: string, id: number): void {
    const comment = this.getCommitComment(owner, repo, id);
    this.commitComments.splice(this.commitComments.indexOf(comment), 1);
  }

  /** Resolves a GraphQL node id to a comment, as minimizeComment needs. */
  commentByNodeId(nodeId: string): IssueComment | CommitComment | undefined {
    return [...this.issueComments, ...this.commitComments].find((c) => c.node_id === nodeId);
  }

  // ---- check runs -----------------------------------------------------------------

  getCheckRun(owner: string, repo: string, id: number): CheckRun {
    const run = this.checkRuns.find((r) => r.id === id && repoKey(r.owner, r.repo) === repoKey(owner, repo));
    if (!run) throw new ApiError(404, 'Not Found');
    return run;
  }

  // ---- releases -------------------------------------------------------------------

  listReleases(owner: string, repo: string): Release[] {
    const key = repoKey(owner, repo);
    // GitHub lists newest first.
    return this.releases.filter((r) => repoKey(r.owner, r.repo) === key).sort((a, b) => b.id - a.id);
  }

  getRelease(owner: string, repo: string, id: number): Release {
    const release = this.listReleases(owner, repo).find((r) => r.id === id);
    if (!release) throw new ApiError(404, 'Not Found');
    return release;
  }

  /** Drafts have no tag yet, so GitHub's get-by-tag never finds them. */
  getReleaseByTag(owner: string, repo: string, tag: string): Release {
    const release = this.listReleases(owner, repo).find((r) => r.tag_name === tag && !r.draft);
    if (!release) throw new ApiError(404, 'Not Found');
    return release;
  }

  /** The release GitHub badges "Latest" (and serves at /releases/latest), if any. */
  latestRelease(owner: string, repo: string): Release | undefined {
    const id = this.latestReleaseIds.get(repoKey(owner, repo));
    return this.listReleases(owner, repo).find((r) => r.id === id);
  }

  /**
   * `make_latest` of a create or update: it "defaults to true for newly published releases", and
   * "drafts and prereleases cannot be set as latest"; `false` leaves the current one. `legacy`
   * (by creation date and semantic version) is not modelled.
   */
  applyMakeLatest(release: Release, makeLatest: 'true' | 'false' | 'legacy' | undefined, publishing: boolean): void {
    const wanted = makeLatest ?? (publishing ? 'true' : 'false');
    if (wanted === 'legacy') throw new Error("make_latest: 'legacy' is not modelled by the fake");
    if (wanted === 'true' && !release.draft && !release.prerelease) this.latestReleaseIds.set(repoKey(release.owner, release.repo), release.id);
  }

  findAsset(owner: string, repo: string, assetId: number): { release: Release; asset: ReleaseAsset } {
    for (const release of this.listReleases(owner, repo)) {
      const asset = release.assets.find((a) => a.id === assetId);
      if (asset) return { release, asset };
    }
    throw new ApiError(404, 'Not Found');
  }

  // ---- git refs and tags --------------------------------------------------------------

  /** Refs of one repository, keyed by full name (`refs/heads/main`). Seeded with the default branch. */
  refsOf(owner: string, repo: string): Map<string, string> {
    const key = repoKey(owner, repo);
    let refs = this.refs.get(key);
    if (!refs) {
      refs = new Map([[`refs/heads/${this.defaultBranch}`, fakeSha(`${key}:main`)]]);
      this.refs.set(key, refs);
    }
    return refs;
  }

  /** Resolves a branch name, full ref or sha to a commit sha (unknown names fall back to the default branch). */
  resolveCommitish(owner: string, repo: string, commitish: string): string {
    if (/^[0-9a-f]{40}$/.test(commitish)) return commitish;
    const refs = this.refsOf(owner, repo);
    return refs.get(commitish) ?? refs.get(`refs/heads/${commitish}`) ?? refs.get(`refs/heads/${this.defaultBranch}`)!;
  }

  // ---- seeding helpers for scenarios ------------------------------------------------

  addPullRequest(input: {
    owner: string;
    repo: string;
    number: number;
    title?: string;
    body?: string | null;
    login?: string;
    head_ref?: string;
    head_sha?: string;
    base_ref?: string;
    draft?: boolean;
  }): PullRequest {
    const now = isoNow();
    const id = this.newId();
    const pr: PullRequest = {
      number: input.number,
      id,
      node_id: this.nodeId('PR', id),
      title: input.title ?? `Pull request #${input.number}`,
      body: input.body ?? null,
      state: 'open',
      draft: input.draft ?? false,
      user: this.user(input.login ?? 'octocat'),
      head: { ref: input.head_ref ?? `feature-${input.number}`, sha: input.head_sha ?? fakeSha(`pr:${input.number}`) },
      base: {
        ref: input.base_ref ?? this.defaultBranch,
        sha: this.resolveCommitish(input.owner, input.repo, input.base_ref ?? this.defaultBranch),
      },
      created_at: now,
      updated_at: now,
    };
    this.pullRequests.set(`${repoKey(input.owner, input.repo)}#${input.number}`, pr);
    return pr;
  }

  getPullRequest(owner: string, repo: string, number: number): PullRequest {
    const pr = this.pullRequests.get(`${repoKey(owner, repo)}#${number}`);
    if (!pr) throw new ApiError(404, 'Not Found');
    return pr;
  }

  addWorkflowRun(
    input: { owner: string; repo: string; id: number } & Partial<Omit<WorkflowRun, 'id' | 'actor'>> & {
        login?: string;
      },
  ): WorkflowRun {
    const now = isoNow();
    const run: WorkflowRun = {
      name: 'CI',
      head_branch: this.defaultBranch,
      head_sha: this.resolveCommitish(input.owner, input.repo, this.defaultBranch),
      event: 'push',
      status: 'in_progress',
      conclusion: null,
      run_number: 1,
      run_attempt: 1,
      path: '.github/workflows/ci.yml',
      workflow_id: 161_335,
      created_at: now,
      updated_at: now,
      ...input,
      actor: this.user(input.login ?? 'octocat'),
    };
    this.workflowRuns.set(`${repoKey(input.owner, input.repo)}#${input.id}`, run);
    return run;
  }

  getWorkflowRun(owner: string, repo: string, id: number): WorkflowRun {
    const run = this.workflowRuns.get(`${repoKey(owner, repo)}#${id}`);
    if (!run) throw new ApiError(404, 'Not Found');
    return run;
  }

  addArtifact(input: { owner: string; repo: string; run_id: number; name: string; size_in_bytes?: number }): Artifact {
    const now = isoNow();
    const id = this.newId();
    const artifact = {
      id,
      node_id: this.nodeId('MDg6QXJ0aWZhY3Q', id),
      owner: input.owner,
      repo: input.repo,
      run_id: input.run_id,
      name: input.name,
      size_in_bytes: input.size_in_bytes ?? 1024,
      expired: false,
      created_at: now,
      updated_at: now,
      expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.artifacts.push(artifact);
    return artifact;
  }

  listArtifacts(owner: string, repo: string, runId: number): Artifact[] {
    const key = repoKey(owner, repo);
    return this.artifacts.filter((a) => repoKey(a.owner, a.repo) === key && a.run_id === runId);
  }
}
