import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fakeSha } from '../github/records.js';

/** Real webhook payloads from @octokit/webhooks-examples, as GitHub sends them. */
interface ExampleGroup {
  name: string;
  examples: ({ action?: string } & Record<string, unknown>)[];
}

let groups: ExampleGroup[] | undefined;

function load(): ExampleGroup[] {
  if (!groups) {
    const require = createRequire(import.meta.url);
    groups = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples'), 'utf8')) as ExampleGroup[];
  }
  return groups;
}

export type EventName = 'pull_request' | 'push' | 'workflow_run';

/** The first example of `event` with `action` (a deep copy, safe to modify). */
export function webhookPayload(event: EventName, action?: string): Record<string, unknown> {
  const group = load().find((candidate) => candidate.name === event);
  const example = group?.examples.find((candidate) => action === undefined || candidate.action === action);
  if (!example) throw new Error(`no ${event}${action ? `.${action}` : ''} example in @octokit/webhooks-examples`);
  return structuredClone(example);
}

/** Values a runner derives from the payload: GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_REF. */
export function runnerFacts(event: EventName, payload: Record<string, unknown>): { repository: string; sha: string; ref: string } {
  const repository = (payload['repository'] as { full_name: string }).full_name;
  if (event === 'pull_request') {
    const pr = payload['pull_request'] as { number: number; head: { sha: string } };
    // On pull_request the runner checks out the merge commit; the head sha stands in for it here.
    return { repository, sha: pr.head.sha, ref: `refs/pull/${pr.number}/merge` };
  }
  if (event === 'push') return { repository, sha: payload['after'] as string, ref: payload['ref'] as string };
  // GitHub documents GITHUB_SHA / GITHUB_REF of a workflow_run workflow as the default branch's last
  // commit and the default branch, not the triggering run's head. The sha is the fake GitHub's branch head.
  const defaultBranch = (payload['repository'] as { default_branch: string }).default_branch;
  return { repository, sha: fakeSha(`${repository.toLowerCase()}:${defaultBranch}`), ref: `refs/heads/${defaultBranch}` };
}
