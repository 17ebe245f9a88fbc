import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configLineFinder, ConfigurationError, defineAction, escapeMarkdownText, input, parseArtifact, removeStaleFiles, writeFilesAtomic, type Artifact, type ArtifactKind, type Logger, type RunEnvironment } from '@modelgate/core';
import { CHECK_OUTPUT_LIMIT, createGitHubClient, GitHubApiError, isPermissionDenied, JOB_SUMMARY_LIMIT_BYTES, MissingPermissionError, publishCheckRun, truncateMarkdown, truncateMarkdownBytes, upsertStickyComment, type CheckAnnotation, type GitHubClient, type RequiredPermission, type StickyCommentTarget } from '@modelgate/github';
import { isRenderedModelCard, isRenderedModelCardJson, renderCharts, renderDataSummary, renderInspectSummary, renderMetricDiff, renderModelCard, renderModelCardJson } from '@modelgate/report';
import { refuseOverwritingInputs, workspacePath } from '../files.js';
import { loadRegistryBaseline, registryCredentialInputs, type RegistryCredentialInputs } from '../registry-baseline.js';
import { collectReport, DEFAULT_MAX_BYTES, fetchReport, uploadWithActionsArtifact, type WorkflowRunPayload } from '../report-stages.js';
import { VERSION } from '../version.js';

/** The job summary's share of GitHub's 1 MiB: run() may add a line about a failure after it. */
const SUMMARY_LIMIT_BYTES = JOB_SUMMARY_LIMIT_BYTES - 16 * 1024;
/** The comment's first line starts so; an earlier run's comment is recognised by it. */
const COMMENT_HEADING = '## modelgate · ';

export const modelReport = defineAction({
  name: 'model-report',
  title: 'modelgate model-report',
  description: 'Post a model card and a metric diff as one sticky PR comment, a check run with annotations, and the job summary.',
  branding: { icon: 'message-square', color: 'orange' },
  inputs: {
    mode: input.choice(['report', 'collect', 'publish'] as const, {
      description:
        '`report`: render and post in this run. For pull requests from forks (read-only token) use two workflows (docs/fork-safe-workflow.md): `collect` in the `pull_request` workflow uploads the report files as a workflow artifact; `publish` in a `workflow_run` workflow downloads it, verifies it and posts.',
      default: 'report',
    }),
    'artifact-name': input.requiredString({ description: 'Name of the workflow artifact `collect` uploads and `publish` downloads.', default: 'modelgate-report' }),
    'max-artifact-bytes': input.number({ description: '`publish`: refuse artifacts larger than this, zipped or extracted (default 16 MiB).' }, { min: 1, integer: true }),
    metrics: input.requiredString({ description: 'metrics.json of this run (from model-eval).', default: 'modelgate-out/metrics.json' }),
    'base-metrics': input.string({ description: 'Base of the metric diff: a metrics.json path (e.g. the base branch\'s), or `registry` for the released champion (`champion`, else `latest`) in the `registry:` of modelgate.yml.' }),
    'base-name': input.string({ description: 'What the base is, as the diff column header (e.g. `main`, `v1.3.0`).' }),
    validation: input.string({ description: 'validation.json from data-validate (default: modelgate-out/validation.json when it exists).' }),
    drift: input.string({ description: 'drift.json from data-validate (default: modelgate-out/drift.json when it exists).' }),
    inspect: input.string({ description: 'inspect.json from onnx-inspect (default: modelgate-out/inspect.json when it exists).' }),
    name: input.string({ description: 'Model name (default: `name` in modelgate.yml, else the model file name).' }),
    version: input.string({ description: 'Model version shown in the card.' }),
    'github-token': input.string({ description: 'Token for the comment and the check run (and the ghcr.io password of `base-metrics: registry`).', default: '${{ github.token }}' }),
    'registry-username': input.string({ description: 'User name for a private `oci://` registry of `base-metrics: registry` (for ghcr.io: the repository owner).' }),
    'registry-password': input.string({ description: 'Password or token for that registry (for ghcr.io: default `github-token`, which needs `packages: read`).' }),
    'comment-on': input.choice(['pr', 'commit', 'none'] as const, { description: '`pr`: sticky comment on pull requests; `commit`: also a sticky commit comment on pushes; `none`: files and summary only.', default: 'pr' }),
    key: input.string({ description: 'Identity of the sticky comment (default: workflow name + model name): one comment per key per PR or commit.' }),
    'comment-mode': input.choice(['update', 'minimize-previous'] as const, { description: '`update` edits the comment in place; `minimize-previous` posts a new one and hides the old as outdated.', default: 'update' }),
    'skip-unchanged': input.boolean({ description: 'Do not edit the comment when its text is unchanged.', default: 'true' }),
    'check-run': input.boolean({ description: 'Publish a check run with annotations (data anomalies at file lines, failed gates on modelgate.yml).', default: 'true' }),
    'comment-out': input.requiredString({ description: 'Where to write the comment markdown.', default: 'modelgate-out/comment.md' }),
    'card-out': input.requiredString({ description: 'Where to write model-card.md.', default: 'modelgate-out/model-card.md' }),
    'card-json-out': input.requiredString({ description: 'Where to write model-card.json (Model Card Toolkit shape).', default: 'modelgate-out/model-card.json' }),
  },
  outputs: {
    conclusion: '`success` or `failure`: gates and data checks together.',
    'comment-url': 'URL of the sticky comment (empty when none was posted).',
    'comment-action': '`created`, `updated`, `unchanged`, `minimized-and-created`, or empty.',
    'check-run-url': 'URL of the check run (empty when none was published).',
    'card-md': 'Path of the written model-card.md.',
  },
  async run({ inputs, config, configFile, environment, logger, setOutput, setSecret, summary }) {
    const at = (path: string) => workspacePath(environment.workspace, path);
    const read = (field: string, path: string | undefined) => (path !== undefined && path !== 'registry' ? [{ field, path: at(path) }] : []);
    await refuseOverwritingInputs(
      [
        ...read('metrics', inputs.metrics),
        ...read('base-metrics', inputs['base-metrics']),
        ...read('validation', inputs.validation ?? 'modelgate-out/validation.json'),
        ...read('drift', inputs.drift ?? 'modelgate-out/drift.json'),
        ...read('inspect', inputs.inspect ?? 'modelgate-out/inspect.json'),
        ...read('config', configFile),
      ],
      [
        { field: 'comment-out', path: at(inputs['comment-out']) },
        { field: 'card-out', path: at(inputs['card-out']) },
        { field: 'card-json-out', path: at(inputs['card-json-out']) },
      ],
    );
    // A report that fails must not leave an earlier run's comment or cards, which model-release would
    // otherwise publish with another model. Only files that start as this step writes them go.
    await removeStaleFiles([
      { path: at(inputs['comment-out']).absolute, wrote: (head) => head.startsWith(COMMENT_HEADING) },
      { path: at(inputs['card-out']).absolute, wrote: isRenderedModelCard },
      { path: at(inputs['card-json-out']).absolute, wrote: isRenderedModelCardJson },
    ]);
    const mode = inputs.mode!;
    const event = environment.event as EventPayload | undefined;
    const token = inputs['github-token'];
    const [owner, repo] = (environment.repository ?? '/').split('/') as [string, string];
    if (inputs['registry-password']) setSecret(inputs['registry-password']);
    // base-metrics always comes from this (trusted) workspace, never from a collected artifact.
    const released = inputs['base-metrics'] === 'registry' ? await registryBase(config?.registry, environment, logger, registryCredentialInputs(inputs)) : undefined;
    const base = released?.metrics ?? (inputs['base-metrics'] && inputs['base-metrics'] !== 'registry' ? await readArtifact('metrics', at(inputs['base-metrics']), true) : undefined);
    const baseName = inputs['base-name'] ?? released?.name;
    let client: GitHubClient | undefined;
    if (token && owner && repo) {
      setSecret(token);
      client = createGitHubClient({ token, baseUrl: environment.apiUrl, logger, userAgent: `modelgate/${VERSION}` });
    }

    let metrics: Artifact<'metrics'>;
    let validation: Artifact<'validation'> | undefined;
    let drift: Artifact<'drift'> | undefined;
    let inspect: Artifact<'inspect'> | undefined;
    /** The PR to comment on: from the event in `report` mode, verified against workflow_run in `publish` mode. */
    let target: { number?: number; headSha?: string };
    if (mode === 'publish') {
      if (environment.eventName !== 'workflow_run' || !event?.workflow_run) {
        throw new ConfigurationError('mode: publish runs in a `workflow_run` workflow (see docs/fork-safe-workflow.md)', { field: 'mode' });
      }
      if (!client) throw new ConfigurationError('mode: publish needs a github-token and GITHUB_REPOSITORY', { field: 'github-token' });
      const fetched = await fetchReport({ client, owner, repo, workflowRunPayload: event.workflow_run, artifactName: inputs['artifact-name'], maxBytes: inputs['max-artifact-bytes'] ?? DEFAULT_MAX_BYTES });
      ({ metrics, validation, drift, inspect } = fetched.artifacts);
      target = fetched.pr;
      logger.info(`verified artifact '${inputs['artifact-name']}' of run ${event.workflow_run.id} for PR #${fetched.pr.number}`);
    } else {
      metrics = (await readArtifact('metrics', at(inputs.metrics), true))!;
      validation = await readArtifact('validation', at(inputs.validation ?? 'modelgate-out/validation.json'), inputs.validation !== undefined);
      drift = await readArtifact('drift', at(inputs.drift ?? 'modelgate-out/drift.json'), inputs.drift !== undefined);
      inspect = await readArtifact('inspect', at(inputs.inspect ?? 'modelgate-out/inspect.json'), inputs.inspect !== undefined);
      target = reportTarget(event, environment.sha);
    }
    if (mode === 'collect') {
      const pr = event?.pull_request;
      if (!pr?.number || !pr.head?.sha || !environment.repository) {
        throw new ConfigurationError('mode: collect runs in a `pull_request` workflow (see docs/fork-safe-workflow.md)', { field: 'mode' });
      }
      const files = {
        metrics: at(inputs.metrics).absolute,
        ...(validation ? { validation: at(inputs.validation ?? 'modelgate-out/validation.json').absolute } : {}),
        ...(drift ? { drift: at(inputs.drift ?? 'modelgate-out/drift.json').absolute } : {}),
        ...(inspect ? { inspect: at(inputs.inspect ?? 'modelgate-out/inspect.json').absolute } : {}),
      };
      const collected = await collectReport({
        files,
        pr: { number: pr.number, headSha: pr.head.sha, baseRepo: environment.repository },
        directory: join(environment.tempDir, `modelgate-report-${environment.runId ?? 'local'}-${Date.now()}`),
        name: inputs['artifact-name'],
        upload: uploadWithActionsArtifact(),
      });
      logger.info(`uploaded ${collected.files.join(', ')} as artifact '${collected.name}'; a workflow_run workflow with mode: publish posts the report`);
    }
    const name = inputs.name ?? config?.name ?? metrics.model.path.replace(/^.*\//, '').replace(/\.onnx$/i, '');

    const runUrl = mode === 'publish' && event?.workflow_run?.html_url ? event.workflow_run.html_url : environment.repository && environment.runId ? `${environment.serverUrl}/${environment.repository}/actions/runs/${environment.runId}` : undefined;
    const sections = [
      `${COMMENT_HEADING}${escapeMarkdownText(name)}`,
      '',
      renderMetricDiff(metrics, base, baseName ? { baseName } : {}),
      ...(validation || drift ? [renderDataSummary({ ...(validation ? { validation } : {}), ...(drift ? { drift } : {}), rows: validation?.data[0]?.rows ?? drift?.current.rows ?? 0, file: validation?.data[0]?.path ?? drift?.current.path ?? '' })] : []),
      ...(inspect ? [renderInspectSummary(inspect)] : []),
    ];
    const charts = renderCharts(metrics);
    if (charts) sections.push('<details><summary>Charts</summary>', '', charts, '</details>', '');
    sections.push(`<sub>modelgate ${VERSION}${runUrl ? ` · [run](${runUrl})` : ''}</sub>`);
    const body = sections.join('\n');
    const cardInput = { name, ...(inputs.version ? { version: inputs.version } : {}), metrics, ...(inspect ? { inspect } : {}), ...(validation ? { validation } : {}), ...(drift ? { drift } : {}), ...(config?.card ? { card: config.card } : {}) };
    // The comment and both forms of the card come from the same artifacts: all three or none.
    await writeFilesAtomic([
      { path: at(inputs['comment-out']).absolute, content: `${body}\n` },
      { path: at(inputs['card-out']).absolute, content: renderModelCard(cardInput) },
      { path: at(inputs['card-json-out']).absolute, content: `${JSON.stringify(renderModelCardJson(cardInput), null, 2)}\n` },
    ]);
    // GitHub drops a job summary over 1 MiB. Cut, it cannot be where the comment sends readers for the rest.
    const commentFile = at(inputs['comment-out']).shown;
    const shown = truncateMarkdownBytes(body, SUMMARY_LIMIT_BYTES, { statedLimit: JOB_SUMMARY_LIMIT_BYTES, fullTextAt: `The full report is in ${commentFile}, which this step wrote.` });
    summary.push(shown.text);
    const fullTextAt = shown.truncated ? `The full report is in ${commentFile}, which this step wrote (the job summary is cut too).` : undefined;

    const failed = !metrics.passed || (validation !== undefined && !validation.passed) || (drift?.dataset_drift ?? false);
    const conclusion = failed ? 'failure' : 'success';
    setOutput('conclusion', conclusion);
    setOutput('card-md', at(inputs['card-out']).shown);
    let commentUrl = '';
    let commentAction = '';
    let checkUrl = '';

    // collect: the PR's token is read-only; the publish run posts instead.
    if (mode !== 'collect' && client && event) {
      const writes: GitHubWrite[] = [];
      // publish: key on the triggering workflow's name, so the comment is the one `report` mode would keep.
      const workflowName = mode === 'publish' ? event.workflow_run?.name : environment.workflow;
      const comment = (where: StickyCommentTarget, kind: string) => async () => {
        const result = await upsertStickyComment({ client, owner, repo, ...where, key: inputs.key ?? `${workflowName ?? 'modelgate'}/${name}`, body, mode: inputs['comment-mode']!, skipUnchanged: inputs['skip-unchanged'], ...(fullTextAt ? { fullTextAt } : {}), logger });
        commentUrl = result.url;
        commentAction = result.action;
        logger.info(`${kind} comment ${result.action}: ${result.url}`);
      };
      if (inputs['comment-on'] !== 'none' && target.number) {
        writes.push({ what: 'post the PR comment', permission: 'pull-requests: write', run: comment({ issueNumber: target.number }, 'PR') });
      } else if (mode === 'report' && inputs['comment-on'] === 'commit' && environment.eventName === 'push' && environment.sha) {
        writes.push({ what: 'post the commit comment', permission: 'contents: write', run: comment({ commitSha: environment.sha }, 'commit') });
      }
      const headSha = target.headSha;
      if (inputs['check-run'] && headSha) {
        const checkAnnotations = await annotations(metrics, validation, config?.gates?.length ?? 0, configFile, environment);
        writes.push({
          what: 'publish the check run',
          permission: 'checks: write',
          run: async () => {
            const check = await publishCheckRun({
              client,
              owner,
              repo,
              headSha,
              name: `modelgate / ${name}`,
              conclusion,
              title: metrics.gates.length ? `${metrics.gates.filter((gate) => gate.passed).length} of ${metrics.gates.length} gates passed` : 'modelgate report',
              summary: truncateMarkdown(body, CHECK_OUTPUT_LIMIT, fullTextAt ? { fullTextAt } : {}).text,
              annotations: checkAnnotations,
              logger,
            });
            checkUrl = check.url;
          },
        });
      }
      await writeBestEffort(logger, writes);
    } else if (!token) logger.info('no github-token: the report is written to files and the job summary only');
    setOutput('comment-url', commentUrl);
    setOutput('comment-action', commentAction);
    setOutput('check-run-url', checkUrl);
    return undefined;
  },
});

/** The released champion's metrics as the diff's base; a registry with no release yet has no base. */
async function registryBase(registry: string | undefined, environment: RunEnvironment, logger: Logger, credentialInputs: RegistryCredentialInputs): Promise<{ metrics: Artifact<'metrics'>; name: string } | undefined> {
  if (!registry || registry === 'github') throw new ConfigurationError('base-metrics: registry needs `registry: dir:<path>` or `oci://host/repository` in modelgate.yml', { field: 'base-metrics' });
  const found = await loadRegistryBaseline({ to: registry, credentialInputs, repository: environment.repository, workspace: environment.workspace, tempDir: environment.tempDir });
  if ('missing' in found) {
    logger.warning(`base-metrics: registry: ${found.missing}; the report has no metric diff`);
    return undefined;
  }
  return { metrics: parseArtifact('metrics', found.text, found.source), name: `v${found.version}` };
}

async function readArtifact<K extends ArtifactKind>(kind: K, path: { absolute: string; shown: string }, required: boolean): Promise<Artifact<K> | undefined> {
  let text: string;
  try {
    text = await readFile(path.absolute, 'utf8');
  } catch {
    if (required) throw new ConfigurationError(`${kind}.json '${path.shown}' does not exist`, { field: kind });
    return undefined;
  }
  return parseArtifact(kind, text, path.shown);
}

interface EventPayload {
  pull_request?: { number: number; head?: { sha?: string } };
  workflow_run?: WorkflowRunPayload & { name?: string; html_url?: string };
}

/**
 * What `mode: report` posts on. A pull request event: the PR and its head. `workflow_run`: the
 * triggering run's head commit (GITHUB_SHA is the default branch's head there), and its pull
 * request when GitHub lists exactly one at that commit (none for forks). Other events have no
 * pull request; the check run goes on GITHUB_SHA, for `issue_comment` or `schedule` the default
 * branch's latest commit.
 */
function reportTarget(event: EventPayload | undefined, sha: string | undefined): { number?: number; headSha?: string } {
  if (event?.pull_request) return { number: event.pull_request.number, headSha: event.pull_request.head?.sha ?? sha };
  const run = event?.workflow_run;
  if (!run?.head_sha) return { headSha: sha };
  const prs = (run.pull_requests ?? []).filter((pr) => pr.head?.sha === run.head_sha);
  return { ...(prs.length === 1 ? { number: prs[0]!.number } : {}), headSha: run.head_sha };
}

interface GitHubWrite {
  /** `post the PR comment`, for the warning. */
  what: string;
  permission: RequiredPermission;
  run(): Promise<void>;
}

/**
 * GitHub writes are best effort: the report is in the job summary and the output files whatever
 * GitHub answers, and the gates, not GitHub, decide the step. A failed write is one warning and
 * the next write is still tried, also after one refused for a missing permission (`checks: write`
 * may be granted where `contents: write` is not). Refused writes (a read-only token: a pull request
 * from a fork) are named together in one warning at the end.
 */
async function writeBestEffort(logger: Logger, writes: readonly GitHubWrite[]): Promise<void> {
  const where = 'the report is in the job summary and the output files';
  const refused: { what: string; missing: string }[] = [];
  for (const write of writes) {
    try {
      await write.run();
    } catch (error) {
      if (error instanceof MissingPermissionError || isPermissionDenied(error)) {
        refused.push({ what: write.what, missing: error instanceof MissingPermissionError ? error.permission : write.permission });
        continue;
      }
      if (!(error instanceof GitHubApiError)) throw error;
      logger.warning(`could not ${write.what}: ${error.message}; ${where}`);
    }
  }
  if (refused.length > 0) {
    const missing = [...new Set(refused.map((denied) => `\`${denied.missing}\``))].join(', ');
    logger.warning(`could not ${refused.map((denied) => denied.what).join(' or ')}: the token lacks ${missing} (pull requests from forks get a read-only token); ${where}`);
  }
}

type Annotation = CheckAnnotation;

/** Data anomalies at their file lines; failed gates from modelgate.yml at their line there. */
async function annotations(
  metrics: Artifact<'metrics'>,
  validation: Artifact<'validation'> | undefined,
  configGates: number,
  configFile: string | undefined,
  environment: RunEnvironment,
): Promise<Annotation[]> {
  const out: Annotation[] = [];
  for (const anomaly of validation?.anomalies ?? []) {
    for (const sample of anomaly.samples) {
      out.push({
        path: sample.file,
        start_line: sample.line,
        end_line: sample.line,
        annotation_level: anomaly.severity === 'error' ? 'failure' : 'warning',
        title: `modelgate ${anomaly.kind}`,
        message: `${anomaly.column ? `${anomaly.column}: ` : ''}${sample.reason ?? anomaly.description}`,
      });
    }
  }
  if (configFile) {
    const text = await readFile(workspacePath(environment.workspace, configFile).absolute, 'utf8').catch(() => undefined);
    const lineOf = text === undefined ? undefined : configLineFinder(text);
    metrics.gates.forEach((gate, index) => {
      if (gate.passed || index >= configGates || lineOf === undefined) return;
      const line = lineOf(['gates', index]) ?? 1;
      out.push({ path: configFile, start_line: line, end_line: line, annotation_level: 'failure', title: 'modelgate gate failed', message: `${gate.expr}: actual ${gate.actual ?? 'undefined'}, threshold ${gate.threshold ?? '-'}${gate.skipped ? ` (${gate.skipped})` : ''}` });
    });
  }
  return out;
}
