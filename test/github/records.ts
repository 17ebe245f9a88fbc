/**
 * Record types of the fake GitHub state, plus small helpers shared by the
 * state, handlers and renderer (errors, timestamps, fake shas).
 */

export type UserType = 'User' | 'Bot' | 'Organization';

export interface User {
  login: string;
  id: number;
  type: UserType;
}

/** GitHub's `minimizeComment` classifiers, as GraphQL enum values. */
export type MinimizeReason = 'ABUSE' | 'DUPLICATE' | 'OFF_TOPIC' | 'OUTDATED' | 'RESOLVED' | 'SPAM';

interface Timestamps {
  created_at: string;
  updated_at: string;
}

export interface IssueComment extends Timestamps {
  kind: 'issue-comment';
  id: number;
  node_id: string;
  owner: string;
  repo: string;
  issue_number: number;
  body: string;
  user: User;
  /** Set by the GraphQL minimizeComment mutation. */
  minimized: MinimizeReason | null;
}

export interface CommitComment extends Timestamps {
  kind: 'commit-comment';
  id: number;
  node_id: string;
  owner: string;
  repo: string;
  commit_id: string;
  body: string;
  path: string | null;
  position: number | null;
  line: number | null;
  user: User;
  minimized: MinimizeReason | null;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRun {
  id: number;
  node_id: string;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Accumulated across create + every update, as GitHub does. */
  annotations: Annotation[];
  /** Number of create/update requests that carried annotations (each capped at 50). */
  annotationBatches: number;
}

export interface ReleaseAsset extends Timestamps {
  id: number;
  node_id: string;
  release_id: number;
  name: string;
  label: string | null;
  content_type: string;
  data: Buffer;
  uploader: User;
  download_count: number;
}

export interface Release extends Timestamps {
  id: number;
  node_id: string;
  owner: string;
  repo: string;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  published_at: string | null;
  author: User;
  assets: ReleaseAsset[];
}

export interface GitTag {
  sha: string;
  node_id: string;
  tag: string;
  message: string;
  object: { sha: string; type: string };
  tagger: { name: string; email: string; date: string };
}

export interface PullRequest extends Timestamps {
  number: number;
  id: number;
  node_id: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  user: User;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
}

export interface WorkflowRun extends Timestamps {
  id: number;
  name: string;
  head_branch: string;
  head_sha: string;
  event: string;
  status: string;
  conclusion: string | null;
  run_number: number;
  run_attempt: number;
  path: string;
  workflow_id: number;
  actor: User;
}

export interface Artifact extends Timestamps {
  id: number;
  node_id: string;
  run_id: number;
  name: string;
  size_in_bytes: number;
  expired: boolean;
  expires_at: string;
}

/** A GitHub-style API failure raised by state operations or handlers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<Record<string, string>>,
  ) {
    super(message);
  }
}

/** Seconds precision, as GitHub's timestamps are. */
export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A deterministic fake 40-hex sha derived from text. */
export function fakeSha(seed: string): string {
  let hex = '';
  for (let i = 0; hex.length < 40; i++) {
    let h = 2166136261 ^ i;
    for (const ch of `${seed}:${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    hex += (h >>> 0).toString(16).padStart(8, '0');
  }
  return hex.slice(0, 40);
}

/** The well-known id of the github-actions[bot] account. */
export const GITHUB_ACTIONS_BOT: User = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
