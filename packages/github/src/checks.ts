/**
 * Publishing a gate result as a check run. GitHub takes at most 50 annotations per request,
 * so the run is created (in progress) with the first 50 and the rest are added by PATCH, 50
 * at a time, the last PATCH completing it: ⌈n/50⌉ requests in all (one for ≤ 50).
 */
import type { Logger } from '@modelgate/core';
import type { GitHubClient } from './client.js';
import { rethrowIfPermissionDenied } from './permissions.js';
import { CHECK_OUTPUT_LIMIT, truncateMarkdown } from './truncate.js';

/** GitHub's per-request cap on `output.annotations`. */
export const ANNOTATIONS_PER_REQUEST = 50;
const ANNOTATION_MESSAGE_LIMIT = 65_535;
const ANNOTATION_TITLE_LIMIT = 255;

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  message: string;
  title?: string;
}

export interface PublishCheckRunOptions {
  client: GitHubClient;
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  /** Markdown; cut to 65 535 characters with a notice. */
  summary: string;
  /** Markdown details below the summary; same limit. */
  text?: string;
  annotations?: readonly CheckAnnotation[];
  /** Link shown as "Details" (e.g. the workflow run). */
  detailsUrl?: string;
  externalId?: string;
  logger?: Logger;
}

export interface CheckRunResult {
  id: number;
  url: string;
  /** Requests sent: 1 create + the PATCHes. */
  requests: number;
  annotations: number;
  truncated: boolean;
}

function cleanAnnotation(a: CheckAnnotation): CheckAnnotation {
  const start = Math.max(1, Math.floor(a.start_line));
  return {
    path: a.path.replace(/^\.?\//, ''),
    start_line: start,
    end_line: Math.max(start, Math.floor(a.end_line)),
    annotation_level: a.annotation_level,
    message: a.message.length > ANNOTATION_MESSAGE_LIMIT ? a.message.slice(0, ANNOTATION_MESSAGE_LIMIT - 1) + '…' : a.message,
    ...(a.title !== undefined ? { title: a.title.slice(0, ANNOTATION_TITLE_LIMIT) } : {}),
  };
}

export async function publishCheckRun(options: PublishCheckRunOptions): Promise<CheckRunResult> {
  const { client, owner, repo, logger } = options;
  const summary = truncateMarkdown(options.summary, CHECK_OUTPUT_LIMIT);
  const text = options.text === undefined ? undefined : truncateMarkdown(options.text, CHECK_OUTPUT_LIMIT);
  const truncated = summary.truncated || (text?.truncated ?? false);
  if (truncated) logger?.warning(`The check run "${options.name}" output is over GitHub's size limit and was truncated.`);

  const annotations = (options.annotations ?? []).map(cleanAnnotation);
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  const output = (batch: CheckAnnotation[] | undefined) => ({
    title: options.title,
    summary: summary.text,
    ...(text ? { text: text.text } : {}),
    ...(batch && batch.length > 0 ? { annotations: batch } : {}),
  });
  const completion = { status: 'completed' as const, conclusion: options.conclusion };
  const operation = `create the check run "${options.name}"`;

  const created = await client.rest.checks
    .create({
      owner,
      repo,
      name: options.name,
      head_sha: options.headSha,
      ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
      ...(options.externalId ? { external_id: options.externalId } : {}),
      ...(batches.length <= 1 ? completion : { status: 'in_progress' as const }),
      output: output(batches[0]),
    })
    .catch((error: unknown) => rethrowIfPermissionDenied(error, 'checks: write', operation));
  const id = created.data.id;
  let requests = 1;

  try {
    for (let i = 1; i < batches.length; i++) {
      const last = i === batches.length - 1;
      await client.rest.checks.update({
        owner,
        repo,
        check_run_id: id,
        ...(last ? completion : {}),
        output: output(batches[i]),
      });
      requests++;
    }
  } catch (error) {
    // Do not leave the check spinning "in progress" forever: complete it without the rest.
    logger?.warning(`Adding annotations to check run ${id} failed; completing it without them.`);
    await client.rest.checks
      .update({ owner, repo, check_run_id: id, ...completion, output: output(undefined) })
      .catch(() => undefined);
    rethrowIfPermissionDenied(error, 'checks: write', `update the check run "${options.name}"`);
  }

  return { id, url: created.data.html_url ?? created.data.url, requests, annotations: annotations.length, truncated };
}
