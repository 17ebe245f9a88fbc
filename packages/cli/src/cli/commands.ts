import { inputMeta } from '@modelgate/core';
import { ACTION_LOADERS, type AnyAction } from '../actions/lazy.js';

/** The `modelgate` commands (ARCHITECTURE.md §4): each runs an action definition, flags = its inputs. */
export interface OptionSpec {
  name: string;
  /** The action input this flag sets, when it has another name (`--gate` sets `gates`). */
  input?: string;
  /** Placeholder shown in help; absent for boolean flags. */
  value?: string;
  /** A boolean flag that is on by default: help shows `--[no-]name`. */
  defaultOn?: boolean;
  description: string;
  multiple?: boolean;
  required?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  examples?: string[];
  /** The action this command runs (its inputs are the command's options), by its name in ACTION_LOADERS. */
  action: string;
  /** Output naming the artifact file `--json` prints. */
  artifactOutput?: string;
  /** Extra flag → input name (`--gate` for the `gates` input), shown in help beside the input. */
  aliases?: Record<string, string>;
}

/** Options of an action-backed command, derived from the action's input declarations. */
export function actionOptions(action: AnyAction, aliases: Record<string, string> = {}): OptionSpec[] {
  const aliasOf = Object.fromEntries(Object.entries(aliases).map(([alias, name]) => [name, alias]));
  return Object.entries(action.inputs).map(([inputName, schema]) => {
    // A repeatable list input reads best in its singular form: --gate a --gate b.
    const name = aliasOf[inputName] ?? inputName;
    const meta = inputMeta(schema);
    const value = meta.kind === 'boolean' ? undefined : meta.kind === 'number' ? 'n' : 'value';
    return {
      name,
      ...(name !== inputName ? { input: inputName } : {}),
      ...(value ? { value } : {}),
      ...(meta.kind === 'boolean' && meta.default === 'true' ? { defaultOn: true } : {}),
      description: meta.default !== undefined ? `${meta.description} (default ${meta.default})` : meta.description,
      ...(meta.kind === 'list' ? { multiple: true } : {}),
      ...(meta.required ? { required: true } : {}),
    };
  });
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'infer-schema',
    summary: 'Infer schema.json (types, presence, domains) from training data',
    action: 'infer-schema',
    artifactOutput: 'schema-json',
    examples: ['modelgate infer-schema --data train.csv --label income --out schema.json'],
  },
  {
    name: 'validate',
    summary: 'Validate data against a schema and test drift against a reference',
    action: 'data-validate',
    artifactOutput: 'validation-json',
    examples: ['modelgate validate --data new.csv --schema schema.json --reference train.csv --out-dir out/'],
  },
  {
    name: 'eval',
    summary: 'Score an ONNX model on a hold-out set, compute metrics and apply gates',
    action: 'model-eval',
    artifactOutput: 'metrics-json',
    aliases: { gate: 'gates', slice: 'slices' },
    examples: ["modelgate eval --model model.onnx --data holdout.csv --label income --positive '>50K' --gate 'precision >= 0.8' --slice sex --out metrics.json"],
  },
  {
    name: 'convert',
    summary: 'Convert an XGBoost or LightGBM model (or run a converter command) to ONNX',
    action: 'onnx-convert',
    artifactOutput: 'convert-json',
    examples: ['modelgate convert --model model.json --out model.onnx --parity-data holdout.csv --label income'],
  },
  {
    name: 'inspect',
    summary: 'Check an ONNX model, report size, parameters, ops and opsets, enforce budgets',
    action: 'onnx-inspect',
    artifactOutput: 'inspect-json',
    examples: ['modelgate inspect --model model.onnx --base base.onnx --max-bytes 50MB --max-growth 10% --out inspect.json'],
  },
  {
    name: 'optimize',
    summary: 'Rewrite an ONNX model: float16, int8 weights, or ZipMap removal',
    action: 'optimize',
    examples: ['modelgate optimize --model model.onnx --fp16 --out model.fp16.onnx'],
  },
  {
    name: 'report',
    summary: 'Render the PR comment markdown and the model card from artifacts',
    action: 'model-report',
    examples: ['modelgate report --metrics modelgate-out/metrics.json --base-metrics base/metrics.json --comment-out comment.md --card-out model-card.md'],
  },
  {
    name: 'release',
    summary: 'Version the model and publish it to an OCI registry or a directory (OCI layout)',
    action: 'model-release',
    artifactOutput: 'release-json',
    aliases: { alias: 'aliases' },
    examples: ['modelgate release --model model.onnx --to dir:./registry', 'modelgate release --model model.onnx --to oci://ghcr.io/acme/income --registry-username me --registry-password "$TOKEN"'],
  },
  {
    name: 'demo',
    summary: 'Run the whole pipeline on the bundled example into ./modelgate-out/demo/',
    action: 'demo',
  },
];

/** A command with its action loaded and its options derived from the action's inputs. */
export interface LoadedCommand extends CommandSpec {
  definition: AnyAction;
  options: OptionSpec[];
}

/** Loads the one action a command runs (the others stay unloaded). */
export async function loadCommand(command: CommandSpec): Promise<LoadedCommand> {
  const definition = await ACTION_LOADERS[command.action]!();
  return { ...command, definition, options: actionOptions(definition, command.aliases) };
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'config', value: 'file', description: 'modelgate.yml to read (default ./modelgate.yml when present)' },
  { name: 'json', description: 'Print the resulting artifact as JSON on stdout' },
  { name: 'quiet', description: 'Print only warnings and errors' },
  { name: 'debug', description: 'Print debug output and stack traces' },
  { name: 'help', description: 'Show help' },
];
