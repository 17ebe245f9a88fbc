/**
 * Every workflow we ship or document must be one GitHub accepts, and must call our actions only
 * with inputs they declare:
 *   - examples/**\/*.yml and .github/workflows/*.yml parse without errors with
 *     @actions/workflow-parser (GitHub's own workflow schema and expression parser);
 *   - each `uses: ./actions/<x>` or `uses: modelgate/modelgate/actions/<x>@v1` step names an
 *     existing action, passes only `with:` keys its action.yml declares, and gives every input
 *     that is required without a default;
 *   - examples/gitlab/.gitlab-ci.yml is YAML whose scripts run only existing `modelgate`
 *     commands with options those commands have.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS, GLOBAL_OPTIONS, loadCommand } from '../packages/cli/src/cli/commands.js';
import { REPO_ROOT } from './harness/run-action.js';

// @actions/workflow-parser imports its JSON schema without `with { type: 'json' }`, which Node's
// ESM loader refuses; serve those two JSON files as modules instead.
const jsonAsModule = `export async function load(url, context, next) {
  if (url.includes('/@actions/workflow-parser/') && url.endsWith('.json')) {
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    return { format: 'module', source: 'export default ' + readFileSync(fileURLToPath(url), 'utf8') + ';', shortCircuit: true };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(jsonAsModule)}`);
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const GITLAB = join(REPO_ROOT, 'examples', 'gitlab', '.gitlab-ci.yml');
const workflows = [
  ...walk(join(REPO_ROOT, 'examples')).filter((path) => /\.ya?ml$/.test(path) && !path.startsWith(join(REPO_ROOT, 'examples', 'gitlab'))),
  ...walk(join(REPO_ROOT, '.github', 'workflows')).filter((path) => /\.ya?ml$/.test(path)),
]
  .map((path) => relative(REPO_ROOT, path).replaceAll('\\', '/'))
  .sort();

interface ActionYml {
  inputs?: Record<string, { required?: boolean; default?: unknown }>;
}
const ACTIONS = new Map<string, ActionYml>(
  readdirSync(join(REPO_ROOT, 'actions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(REPO_ROOT, 'actions', entry.name, 'action.yml')))
    .map((entry) => [entry.name, parse(readFileSync(join(REPO_ROOT, 'actions', entry.name, 'action.yml'), 'utf8')) as ActionYml]),
);

/** `./actions/<x>` or `modelgate/modelgate/actions/<x>@v1` → x; other modelgate references are errors. */
function ourAction(uses: string): string | undefined {
  const match = /^(?:\.\/actions\/|modelgate\/modelgate\/actions\/)([^@/]+)(@.*)?$/.exec(uses);
  if (!match) {
    if (/modelgate|^\.\/actions/.test(uses)) throw new Error(`'${uses}' is neither ./actions/<name> nor modelgate/modelgate/actions/<name>@v1`);
    return undefined;
  }
  const local = uses.startsWith('./');
  if (local ? match[2] !== undefined : match[2] !== '@v1') throw new Error(`'${uses}': expected ${local ? 'no ref' : '@v1'}`);
  return match[1];
}

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  jobs?: Record<string, { steps?: Step[] }>;
}

describe.each(workflows)('%s', (file) => {
  const content = readFileSync(join(REPO_ROOT, file), 'utf8');

  it('is a valid GitHub Actions workflow', async () => {
    const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect((template.errors ?? []).map((error) => error.Message)).toEqual([]);
    expect(template.jobs?.length).toBeGreaterThan(0);
  });

  it('calls modelgate actions only with inputs they declare, and with every required input', () => {
    const workflow = parse(content) as Workflow;
    const problems: string[] = [];
    for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
      for (const [index, step] of (job.steps ?? []).entries()) {
        if (!step.uses) continue;
        const where = `${file}: jobs.${jobId}.steps[${index}] (${step.id ?? step.name ?? step.uses})`;
        let name: string | undefined;
        try {
          name = ourAction(step.uses);
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message}`);
          continue;
        }
        if (name === undefined) continue;
        const action = ACTIONS.get(name);
        if (!action) {
          problems.push(`${where}: no action '${name}' (known: ${[...ACTIONS.keys()].join(', ')})`);
          continue;
        }
        const inputs = action.inputs ?? {};
        for (const key of Object.keys(step.with ?? {})) {
          if (!(key in inputs)) problems.push(`${where}: '${name}' has no input '${key}'`);
        }
        for (const [key, input] of Object.entries(inputs)) {
          if (input.required && input.default === undefined && !(key in (step.with ?? {}))) problems.push(`${where}: '${name}' needs input '${key}'`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/** Split a shell command into words (quotes respected) and operators. Enough for our examples. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /\s*(?:(\|\||&&|[|;&<>])|((?:'[^']*'|"(?:\\.|[^"\\])*"|\\.|[^\s|;&<>'"\\])+))/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(line)) && match[0] !== '') words.push(match[1] ?? match[2]!);
  return words;
}

const OPERATORS = new Set(['||', '&&', '|', ';', '&', '<', '>']);

describe('examples/gitlab/.gitlab-ci.yml', () => {
  const config = parse(readFileSync(GITLAB, 'utf8')) as Record<string, unknown>;
  const jobs = Object.entries(config).filter(([key, value]) => !key.startsWith('.') && typeof value === 'object' && value !== null && 'script' in value) as [
    string,
    { script: string | string[]; before_script?: string | string[]; after_script?: string | string[]; artifacts?: { when?: string; paths?: string[] } },
  ][];

  it('has jobs with scripts', () => {
    expect(jobs.length).toBeGreaterThan(0);
  });

  it('runs only existing modelgate commands, with options they have', async () => {
    const loaded = await Promise.all(COMMANDS.map(loadCommand));
    const commands = new Map(loaded.map((command) => [command.name, new Set([...command.options, ...GLOBAL_OPTIONS].flatMap((option) => (option.value ? [option.name] : [option.name, `no-${option.name}`])))]));
    const invoked: string[] = [];
    const problems: string[] = [];
    for (const [jobName, job] of jobs) {
      const lines = [job.before_script, job.script, job.after_script].flatMap((part) => (part === undefined ? [] : Array.isArray(part) ? part : [part]));
      for (const line of lines) {
        const words = shellWords(line);
        for (let i = 0; i < words.length; i += 1) {
          if (words[i] !== 'modelgate') continue;
          const command = words[i + 1];
          const options = command ? commands.get(command) : undefined;
          if (!command || !options) {
            problems.push(`${jobName}: unknown command 'modelgate ${command ?? ''}' (known: ${[...commands.keys()].join(', ')})`);
            continue;
          }
          invoked.push(command);
          for (let j = i + 2; j < words.length && !OPERATORS.has(words[j]!); j += 1) {
            const flag = /^--([a-z0-9-]+)(?:=|$)/.exec(words[j]!);
            if (flag && !options.has(flag[1]!)) problems.push(`${jobName}: 'modelgate ${command}' has no option --${flag[1]}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(invoked).toEqual(expect.arrayContaining(['validate', 'eval', 'report']));
  });

  it('keeps the rendered report as a job artifact, also when a gate failed', () => {
    const reporting = jobs.filter(([, job]) => job.artifacts?.paths?.length);
    expect(reporting.length).toBeGreaterThan(0);
    for (const [, job] of reporting) expect(job.artifacts?.when).toBe('always');
  });
});

it('the dogfood workflow runs every action it should from this checkout', () => {
  const workflow = parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', 'e2e.yml'), 'utf8')) as Workflow;
  const used = Object.values(workflow.jobs ?? {}).flatMap((job) => (job.steps ?? []).map((step) => step.uses).filter((uses): uses is string => !!uses));
  for (const name of ['data-validate', 'onnx-inspect', 'model-eval', 'model-report', 'model-release']) expect(used).toContain(`./actions/${name}`);
});

it("the README's PR-gate workflow is the validated examples/readme-snippet.yml", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const shown = /## Gate a pull request\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  const example = readFileSync(join(REPO_ROOT, 'examples', 'readme-snippet.yml'), 'utf8').split('\n').slice(2).join('\n');
  expect(shown).toBe(example);
});
