import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMON_INPUTS } from '@modelgate/core';
import { ACTIONS } from '../packages/cli/src/actions/index.js';
import { ACTION_LOADERS } from '../packages/cli/src/actions/lazy.js';
import { COMMANDS } from '../packages/cli/src/cli/commands.js';
import { VERSION } from '../packages/cli/src/version.js';
import { renderActionFiles, renderJsonSchemas } from '../scripts/generated-files.js';
import { REPO_ROOT } from './harness/run-action.js';

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('generated files are current', () => {
  it.each(Object.entries(renderActionFiles()))('%s', (path, content) => {
    expect(read(path), `${path} is stale: run 'npm run actions'`).toBe(content);
  });
  it.each(Object.entries(renderJsonSchemas()))('%s', (path, content) => {
    expect(read(path), `${path} is stale: run 'npm run schemas'`).toBe(content);
  });
});

describe('the published modelgate.yml schema', () => {
  it("takes the sizes the README shows (JSON Schema patterns have no flags: no case-insensitive 'i')", () => {
    const schema = JSON.parse(read('schemas/modelgate.schema.json')) as { properties: { size: { properties: { max_bytes: { anyOf: { pattern?: string }[] } } } } };
    const pattern = new RegExp(schema.properties.size.properties.max_bytes.anyOf.find((option) => option.pattern)!.pattern!, 'u');
    for (const size of ['50MB', '1.5GiB', '50mb', '10 kB', '1024']) expect(pattern.test(size), size).toBe(true);
    expect(pattern.test('huge')).toBe(false);
  });
});

describe('actions load on demand', () => {
  it('each action and CLI command has a loader giving the very definition', async () => {
    for (const action of ACTIONS) expect(await ACTION_LOADERS[action.name]!(), action.name).toBe(action);
    for (const command of COMMANDS) expect((await ACTION_LOADERS[command.action]!()).name, command.name).toBe(command.action);
  });

  it('the bundle entry (the CLI) holds no action and no @actions/* package: each is a chunk loaded when run', () => {
    const entry = read('dist/index.js');
    // Marker strings of code that must stay in chunks: the GitHub client, the runner toolkit's HTTP
    // stack, protobuf (ONNX), and the actions' own messages.
    for (const marker of ['Octokit', 'undici', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'protobuf', 'error anomal', 'onnxruntime cannot load the model']) expect(entry, marker).not.toContain(marker);
  });
});

describe('action layout', () => {
  it('has one folder per action holding only action.yml and README.md', () => {
    const folders = readdirSync(join(REPO_ROOT, 'actions')).sort();
    expect(folders).toEqual(ACTIONS.map((action) => action.name).sort());
    for (const folder of folders) expect(readdirSync(join(REPO_ROOT, 'actions', folder)).sort()).toEqual(['README.md', 'action.yml']);
  });

  it.each(ACTIONS.map((action) => action.name))('%s runs on node24 from its bundle stub, every input and output described', (name) => {
    const yml = parse(read(`actions/${name}/action.yml`)) as {
      runs: { using: string; main: string };
      inputs: Record<string, { description: string }>;
      outputs: Record<string, { description: string }>;
    };
    expect(yml.runs).toEqual({ using: 'node24', main: `../../dist/${name}.js` });
    expect(existsSync(join(REPO_ROOT, 'actions', name, yml.runs.main))).toBe(true);
    for (const [key, spec] of [...Object.entries(yml.inputs), ...Object.entries(yml.outputs)]) {
      expect(spec.description.length, `${name}: ${key} needs a description`).toBeGreaterThan(10);
    }
    const definition = ACTIONS.find((action) => action.name === name)!;
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.keys({ ...definition.inputs, ...COMMON_INPUTS }).sort());
  });
});

describe('inputs are read only through their declarations', () => {
  const sources = ['packages'].flatMap((dir) => sourceFiles(join(REPO_ROOT, dir)));

  it('no code outside the runner host reads INPUT_* or @actions/core input helpers', () => {
    const offenders = sources
      .filter((file) => !file.endsWith(join('cli', 'src', 'github-host.ts')))
      .filter((file) => /\bget(Boolean|Multiline)?Input\s*\(|INPUT_/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(REPO_ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('every declared input is used by the code of its action', () => {
    const unread: string[] = [];
    for (const action of ACTIONS) {
      const names = Object.keys(action.inputs);
      if (names.length === 0) continue;
      const file = join(REPO_ROOT, 'packages', 'cli', 'src', 'actions', `${action.name}.ts`);
      const code = existsSync(file) ? readFileSync(file, 'utf8') : '';
      // registryCredentialInputs(inputs) hands these three to the shared registry code, which reads them.
      const viaRegistry = code.includes('registryCredentialInputs(inputs)') ? ['registry-username', 'registry-password', 'github-token'] : [];
      for (const name of names) if (!code.includes(`inputs['${name}']`) && !code.includes(`inputs.${name}`) && !viaRegistry.includes(name)) unread.push(`${action.name}: ${name}`);
    }
    const runCode = read('packages/core/src/run.ts');
    for (const name of Object.keys(COMMON_INPUTS)) if (!runCode.includes(`common.${name}`)) unread.push(`common: ${name}`);
    expect(unread).toEqual([]);
  });
});

describe('zod-setup', () => {
  it('is imported by every module that imports zod values, right after zod (schemas are built with the JIT off)', () => {
    const valueImport = /^import \{[^}]*\} from 'zod';$/m;
    const modules = sourceFiles(join(REPO_ROOT, 'packages')).filter((file) => !file.endsWith('zod-setup.ts') && valueImport.test(readFileSync(file, 'utf8')));
    // The artifacts, config and inputs of core, and report-stages of the CLI at least.
    expect(modules.length).toBeGreaterThanOrEqual(7);
    const missing = modules.filter((file) => {
      const text = readFileSync(file, 'utf8');
      const own = file.startsWith(join(REPO_ROOT, 'packages', 'core', 'src'));
      const setup = own ? /^import '(\.\/|\.\.\/)+zod-setup\.js';$/m : /^import '@modelgate\/core\/zod-setup';$/m;
      const at = text.search(setup);
      return at < 0 || at > text.search(valueImport) + text.match(valueImport)![0].length + 1;
    });
    expect(missing.map((file) => relative(join(REPO_ROOT, 'packages'), file))).toEqual([]);
  });
});

it('VERSION matches package.json', () => {
  expect(VERSION).toBe((JSON.parse(read('package.json')) as { version: string }).version);
});
