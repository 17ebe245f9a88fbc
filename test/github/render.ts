/**
 * Turns state records into the JSON GitHub returns. Every shape here is checked
 * against the OpenAPI success schema on each response, so a missing required
 * field shows up as a violation rather than silently drifting from GitHub.
 */
import { createHash } from 'node:crypto';
import { artifactJson, pullRequestJson, repositoryJson, workflowRunJson } from './render-repository.js';
import type {
  Annotation,
  Artifact,
  CheckRun,
  CommitComment,
  FakeState,
  GitTag,
  IssueComment,
  PullRequest,
  Release,
  ReleaseAsset,
  User,
  WorkflowRun,
} from './state.js';

/** Base URLs the fake answers on: REST API, release uploads, and the "web" (html_url) host. */
export interface Urls {
  api: string;
  uploads: string;
  web: string;
}

type Json = Record<string, unknown>;

export class Renderer {
  constructor(
    readonly urls: Urls,
    readonly state: FakeState,
  ) {}

  user(u: User): Json {
    const api = `${this.urls.api}/users/${encodeURIComponent(u.login)}`;
    return {
      login: u.login,
      id: u.id,
      node_id: this.state.nodeId(u.type === 'Bot' ? 'BOT' : 'U', u.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
      gravatar_id: '',
      url: api,
      // Bots' profile pages live under /apps/<slug>.
      html_url:
        u.type === 'Bot' ? `${this.urls.web}/apps/${u.login.replace(/\[bot\]$/, '')}` : `${this.urls.web}/${u.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: u.type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  /** `GET /user` adds profile fields to the simple user. */
  authenticatedUser(u: User): Json {
    return {
      ...this.user(u),
      name: null,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: '2019-08-08T00:00:00Z',
      updated_at: '2019-08-08T00:00:00Z',
    };
  }

  app(): Json {
    return {
      id: 15368,
      slug: 'github-actions',
      node_id: 'MDM6QXBwMTUzNjg=',
      owner: this.user(this.state.user('github', 'Organization')),
      name: 'GitHub Actions',
      description: 'Automate your workflow from idea to production',
      external_url: 'https://help.github.com/en/actions',
      html_url: `${this.urls.web}/apps/github-actions`,
      created_at: '2018-07-30T09:30:17Z',
      updated_at: '2019-12-10T19:04:12Z',
      permissions: { checks: 'write', contents: 'write', issues: 'write', metadata: 'read', pull_requests: 'write' },
      events: ['check_run', 'pull_request', 'push', 'release'],
    };
  }

  private reactions(url: string): Json {
    return {
      url: `${url}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      confused: 0,
      heart: 0,
      hooray: 0,
      eyes: 0,
      rocket: 0,
    };
  }

  repoApi(owner: string, repo: string): string {
    return `${this.urls.api}/repos/${owner}/${repo}`;
  }

  issueComment(c: IssueComment): Json {
    const url = `${this.repoApi(c.owner, c.repo)}/issues/comments/${c.id}`;
    return {
      id: c.id,
      node_id: c.node_id,
      url,
      html_url: `${this.urls.web}/${c.owner}/${c.repo}/issues/${c.issue_number}#issuecomment-${c.id}`,
      body: c.body,
      user: this.user(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      issue_url: `${this.repoApi(c.owner, c.repo)}/issues/${c.issue_number}`,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      performed_via_github_app: null,
      reactions: this.reactions(url),
      minimized: c.minimized ? { reason: c.minimized.toLowerCase() } : null,
    };
  }

  commitComment(c: CommitComment): Json {
    const url = `${this.repoApi(c.owner, c.repo)}/comments/${c.id}`;
    return {
      html_url: `${this.urls.web}/${c.owner}/${c.repo}/commit/${c.commit_id}#commitcomment-${c.id}`,
      url,
      id: c.id,
      node_id: c.node_id,
      body: c.body,
      path: c.path,
      position: c.position,
      line: c.line,
      commit_id: c.commit_id,
      user: this.user(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      reactions: this.reactions(url),
    };
  }

  checkRun(r: CheckRun): Json {
    const url = `${this.repoApi(r.owner, r.repo)}/check-runs/${r.id}`;
    return {
      id: r.id,
      head_sha: r.head_sha,
      node_id: r.node_id,
      external_id: r.external_id ?? '',
      url,
      html_url: `${this.urls.web}/${r.owner}/${r.repo}/runs/${r.id}`,
      details_url: r.details_url ?? `${this.urls.web}/${r.owner}/${r.repo}/runs/${r.id}`,
      status: r.status,
      conclusion: r.conclusion,
      started_at: r.started_at,
      completed_at: r.completed_at,
      output: {
        ...r.output,
        annotations_count: r.annotations.length,
        annotations_url: `${url}/annotations`,
      },
      name: r.name,
      check_suite: { id: this.state.repoId(r.owner, r.repo) + 1 },
      app: this.app(),
      pull_requests: [],
    };
  }

  annotation(r: CheckRun, a: Annotation): Json {
    return {
      path: a.path,
      blob_href: `${this.urls.web}/${r.owner}/${r.repo}/blob/${r.head_sha}/${a.path}`,
      start_line: a.start_line,
      end_line: a.end_line,
      start_column: a.start_column ?? null,
      end_column: a.end_column ?? null,
      annotation_level: a.annotation_level,
      title: a.title ?? null,
      message: a.message,
      raw_details: a.raw_details ?? null,
    };
  }

  release(r: Release): Json {
    const api = `${this.repoApi(r.owner, r.repo)}/releases/${r.id}`;
    const web = `${this.urls.web}/${r.owner}/${r.repo}`;
    return {
      url: api,
      assets_url: `${api}/assets`,
      // A URI template pointing at the fake's uploads listener, like uploads.github.com.
      upload_url: `${this.urls.uploads}/repos/${r.owner}/${r.repo}/releases/${r.id}/assets{?name,label}`,
      // Drafts have no tag page yet; GitHub shows them under /releases/tag/untagged-<hash>.
      html_url: r.draft
        ? `${web}/releases/tag/untagged-${r.node_id.slice(-8)}`
        : `${web}/releases/tag/${encodeURIComponent(r.tag_name)}`,
      id: r.id,
      author: this.user(r.author),
      node_id: r.node_id,
      tag_name: r.tag_name,
      target_commitish: r.target_commitish,
      name: r.name,
      draft: r.draft,
      immutable: false,
      prerelease: r.prerelease,
      created_at: r.created_at,
      updated_at: r.updated_at,
      published_at: r.published_at,
      assets: r.assets.map((a) => this.asset(r, a)),
      tarball_url: r.draft ? null : `${this.repoApi(r.owner, r.repo)}/tarball/${encodeURIComponent(r.tag_name)}`,
      zipball_url: r.draft ? null : `${this.repoApi(r.owner, r.repo)}/zipball/${encodeURIComponent(r.tag_name)}`,
      body: r.body,
    };
  }

  asset(r: Release, a: ReleaseAsset): Json {
    return {
      url: `${this.repoApi(r.owner, r.repo)}/releases/assets/${a.id}`,
      id: a.id,
      node_id: a.node_id,
      name: a.name,
      label: a.label ?? '',
      uploader: this.user(a.uploader),
      content_type: a.content_type,
      state: 'uploaded',
      size: a.data.length,
      digest: `sha256:${sha256(a.data)}`,
      download_count: a.download_count,
      created_at: a.created_at,
      updated_at: a.updated_at,
      browser_download_url: `${this.urls.web}/${r.owner}/${r.repo}/releases/download/${encodeURIComponent(r.tag_name)}/${encodeURIComponent(a.name)}`,
    };
  }

  gitRef(owner: string, repo: string, ref: string, sha: string, objectType = 'commit'): Json {
    const api = this.repoApi(owner, repo);
    return {
      ref,
      node_id: `REF_kwDO${Buffer.from(`${owner}/${repo}:${ref}`).toString('base64url')}`,
      url: `${api}/git/${ref}`,
      object: { sha, type: objectType, url: `${api}/git/${objectType}s/${sha}` },
    };
  }

  gitTag(owner: string, repo: string, t: GitTag): Json {
    const api = this.repoApi(owner, repo);
    return {
      node_id: t.node_id,
      tag: t.tag,
      sha: t.sha,
      url: `${api}/git/tags/${t.sha}`,
      message: t.message,
      tagger: t.tagger,
      object: { ...t.object, url: `${api}/git/${t.object.type}s/${t.object.sha}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  repository(owner: string, repo: string, full = false): Json {
    return repositoryJson(this, owner, repo, full);
  }

  pullRequest(owner: string, repo: string, pr: PullRequest): Json {
    return pullRequestJson(this, owner, repo, pr);
  }

  workflowRun(owner: string, repo: string, run: WorkflowRun): Json {
    return workflowRunJson(this, owner, repo, run);
  }

  artifact(owner: string, repo: string, a: Artifact): Json {
    return artifactJson(this, owner, repo, a);
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
