// `npm run actions` / `npm run schemas`: write the derived files (atomically) from their definitions.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderActionFiles, renderJsonSchemas } from './generated-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2];
const files = which === 'schemas' ? renderJsonSchemas() : which === 'actions' ? renderActionFiles() : undefined;
if (!files) {
  console.error('usage: tsx scripts/write-generated.ts actions|schemas');
  process.exit(2);
}
for (const [path, content] of Object.entries(files)) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.tmp`, content);
  renameSync(`${target}.tmp`, target);
}
console.log(`wrote ${Object.keys(files).length} files`);
