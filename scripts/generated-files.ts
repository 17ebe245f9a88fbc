// Files derived from the zod definitions: action.yml + README.md per action, and the JSON
// Schemas of artifacts and modelgate.yml. `npm run actions` / `npm run schemas` write them;
// test/generated.test.ts fails when the committed copies are stale.
import { stringify } from 'yaml';
import { z } from 'zod';
import { ARTIFACTS, COMMON_INPUTS, ConfigSchema, inputMeta, schemaUrl, type ActionDefinition, type InputShape } from '@modelgate/core';
import { ACTIONS } from '../packages/cli/src/actions/index.js';

const HEADER = '# Generated from packages/cli/src/actions by `npm run actions` — edit the definition there, not this file.\n';

export function actionInputs(definition: ActionDefinition<InputShape, string>): [string, ReturnType<typeof inputMeta>][] {
  return Object.entries({ ...definition.inputs, ...COMMON_INPUTS }).map(([name, schema]) => [name, inputMeta(schema)]);
}

export function renderActionYaml(definition: ActionDefinition<InputShape, string>): string {
  const inputs: Record<string, Record<string, unknown>> = {};
  for (const [name, meta] of actionInputs(definition)) {
    inputs[name] = {
      description: meta.description,
      required: meta.required ?? false,
      ...(meta.default !== undefined ? { default: meta.default } : {}),
      ...(meta.deprecationMessage ? { deprecationMessage: meta.deprecationMessage } : {}),
    };
  }
  const outputs = Object.fromEntries(Object.entries(definition.outputs).map(([name, description]) => [name, { description }]));
  const document = {
    name: definition.title,
    description: definition.description,
    author: 'modelgate',
    branding: definition.branding,
    inputs,
    outputs,
    runs: { using: 'node24', main: `../../dist/${definition.name}.js` },
  };
  return HEADER + stringify(document, { lineWidth: 0 });
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderActionReadme(definition: ActionDefinition<InputShape, string>): string {
  const inputs = actionInputs(definition);
  const outputs = Object.entries(definition.outputs);
  const lines = [
    `# ${definition.title}`,
    '',
    definition.description,
    '',
    '<!-- Generated from packages/cli/src/actions by `npm run actions`; edit the definition there. -->',
    '',
    '## Usage',
    '',
    '```yaml',
    `- uses: modelgate/modelgate/actions/${definition.name}@v1`,
    ...(inputs.some(([, meta]) => meta.required) ? ['  with:', ...inputs.filter(([, meta]) => meta.required).map(([name]) => `    ${name}: …`)] : []),
    '```',
    '',
    '## Inputs',
    '',
    '| Input | Required | Default | Description |',
    '| --- | --- | --- | --- |',
    ...inputs.map(([name, meta]) => `| \`${name}\` | ${meta.required ? 'yes' : 'no'} | ${meta.default !== undefined ? `\`${cell(meta.default)}\`` : ''} | ${cell(meta.description)} |`),
    '',
    '## Outputs',
    '',
    ...(outputs.length === 0
      ? ['None.']
      : ['| Output | Description |', '| --- | --- |', ...outputs.map(([name, description]) => `| \`${name}\` | ${cell(description)} |`)]),
    '',
  ];
  return lines.join('\n');
}

export function renderJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  const render = (kind: string, schema: z.ZodType): string => {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' });
    return `${JSON.stringify({ $id: schemaUrl(kind), title: `modelgate ${kind}`, ...json }, null, 2)}\n`;
  };
  for (const [kind, schema] of Object.entries(ARTIFACTS)) files[`schemas/${kind}.schema.json`] = render(kind, schema);
  files['schemas/modelgate.schema.json'] = render('modelgate', ConfigSchema);
  return files;
}

export function renderActionFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const definition of ACTIONS) {
    files[`actions/${definition.name}/action.yml`] = renderActionYaml(definition);
    files[`actions/${definition.name}/README.md`] = renderActionReadme(definition);
  }
  return files;
}
