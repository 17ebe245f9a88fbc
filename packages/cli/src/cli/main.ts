import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { closestName, describeFailure, runAction, UsageError } from '@modelgate/core';
import { CliHost } from './cli-host.js';
import { VERSION } from '../version.js';
import { COMMANDS, GLOBAL_OPTIONS, loadCommand, type CommandSpec, type LoadedCommand, type OptionSpec } from './commands.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs the `modelgate` command line; returns the exit code (0 ok, 1 gate failed or bad input, 2 usage). */
export async function main(argv: readonly string[], io: CliIO = processIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv, io, env);
  } catch (error) {
    const failure = describeFailure(error, debug);
    if (failure.stack) io.err(`${failure.stack}\n`);
    const where = failure.location?.file ? `${failure.location.file}${failure.location.line ? `:${failure.location.line}` : ''}: ` : '';
    io.err(`modelgate: ${where}${failure.message}\n`);
    if (error instanceof UsageError) io.err(`Run 'modelgate --help' for usage.\n`);
    return failure.exitCode;
  }
}

async function dispatch(argv: readonly string[], io: CliIO, env: NodeJS.ProcessEnv): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(renderMainHelp());
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    io.out(topic ? renderCommandHelp(await loadCommand(findCommand(topic))) : renderMainHelp());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const command = await loadCommand(findCommand(first));
  const values = parseCommandArgs(command, rest);
  if (values['help']) {
    io.out(renderCommandHelp(command));
    return 0;
  }
  return runCommandAction(command, values, io, env);
}

async function runCommandAction(command: LoadedCommand, values: Record<string, unknown>, io: CliIO, env: NodeJS.ProcessEnv): Promise<number> {
  const inputOf = (flag: string) => command.options.find((option) => option.name === flag)?.input ?? flag;
  const inputs: Record<string, string | undefined> = {};
  for (const [flag, value] of Object.entries(values)) {
    const name = inputOf(flag);
    if (Array.isArray(value)) inputs[name] = value.join('\n');
    else if (typeof value === 'boolean') inputs[name] = value ? 'true' : 'false';
    else if (typeof value === 'string') inputs[name] = value;
  }
  const json = values['json'] === true;
  // `--config` is the common input `config`; the command's flags are its action's inputs.
  const flags = Object.fromEntries([{ name: 'config' }, ...command.options].map((option) => [inputOf(option.name), option.name]));
  const host = new CliHost({ io, values: inputs, json, flags, quiet: values['quiet'] === true, debug: values['debug'] === true, env, tty: io === processIO && process.stderr.isTTY === true });
  await runAction(command.definition, host);
  const artifact = command.artifactOutput ? host.outputs[command.artifactOutput] : undefined;
  if (json && artifact) io.out(await readFile(resolve(host.environment.workspace, artifact), 'utf8'));
  return host.exitCode;
}

function findCommand(name: string): CommandSpec {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command) return command;
  const near = COMMANDS.find((candidate) => candidate.name.startsWith(name.slice(0, 3))) ?? COMMANDS.find((candidate) => candidate.name === closestName(name, COMMANDS.map((c) => c.name)));
  throw new UsageError(`unknown command '${name}'${near ? ` (did you mean '${near.name}'?)` : ''}`);
}

function parseCommandArgs(command: LoadedCommand, args: readonly string[]): Record<string, unknown> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const option of [...command.options, ...GLOBAL_OPTIONS]) {
    options[option.name] = { type: option.value ? 'string' : 'boolean', ...(option.multiple ? { multiple: true } : {}) };
  }
  const { rest, switches } = takeBooleanValues(command, args, options);
  try {
    const { values } = parseArgs({ args: rest, options, strict: true, allowPositionals: false });
    return { ...values, ...switches };
  } catch (error) {
    // node:util's messages are already precise ("Unknown option '--modle'"); keep them, drop its hints.
    throw new UsageError(`${command.name}: ${(error as Error).message.split('. ')[0]}`);
  }
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false, '1': true, '0': false };

/**
 * Boolean flags can be switched off: `--no-fail-on-drift`, or `--fail-on-drift=false` as in CI
 * variables. (node:util only negates from Node 20.16 on, and never takes `=value` for a boolean.)
 * The last occurrence wins.
 */
function takeBooleanValues(command: LoadedCommand, args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): { rest: string[]; switches: Record<string, boolean> } {
  const isBoolean = (name: string) => options[name]?.type === 'boolean';
  const rest: string[] = [];
  const switches: Record<string, boolean> = {};
  for (const [i, arg] of args.entries()) {
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const assigned = /^--([^=]+)=(.*)$/s.exec(arg);
    if (assigned && isBoolean(assigned[1]!)) {
      const value = BOOLEAN_WORDS[assigned[2]!.toLowerCase()];
      if (value === undefined) throw new UsageError(`${command.name}: option '--${assigned[1]}' is on or off: write --${assigned[1]}, --no-${assigned[1]} or --${assigned[1]}=false, not '${assigned[2]}'`);
      switches[assigned[1]!] = value;
    } else if (arg.startsWith('--no-') && isBoolean(arg.slice(5))) {
      switches[arg.slice(5)] = false;
    } else {
      if (arg.startsWith('--') && isBoolean(arg.slice(2))) delete switches[arg.slice(2)];
      rest.push(arg);
    }
  }
  return { rest, switches };
}

export function renderMainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  const lines = [
    `modelgate ${VERSION} — CI for machine-learning models`,
    '',
    'Usage: modelgate <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Global options:',
    ...renderOptions(GLOBAL_OPTIONS),
    '  --version               Print the version',
    '',
    "Run 'modelgate <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 gate failed or bad input, 2 usage error.',
  ];
  return `${lines.join('\n')}\n`;
}

export function renderCommandHelp(command: LoadedCommand): string {
  const required = command.options.filter((option) => option.required).map((option) => `--${option.name} <${option.value}>`);
  const lines = [
    `Usage: modelgate ${command.name} ${[...required, '[options]'].join(' ')}`,
    '',
    command.summary,
    '',
    'Options:',
    ...renderOptions(command.options),
    '',
    'Global options:',
    ...renderOptions(GLOBAL_OPTIONS),
  ];
  if (command.examples?.length) lines.push('', 'Example:', ...command.examples.map((example) => `  ${example}`));
  return `${lines.join('\n')}\n`;
}

function renderOptions(options: readonly OptionSpec[], width = 22): string[] {
  const flags = options.map((option) => `--${option.defaultOn ? '[no-]' : ''}${option.name}${option.value ? ` <${option.value}>` : ''}`);
  const column = Math.max(width, ...flags.map((flag) => flag.length));
  return options.map((option, i) => {
    const notes = [option.required ? 'required' : '', option.multiple ? 'repeatable' : ''].filter(Boolean);
    const suffix = notes.length ? ` (${notes.join(', ')})` : '';
    return `  ${flags[i]!.padEnd(column)}  ${option.description}${suffix}`;
  });
}
