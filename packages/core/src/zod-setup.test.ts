import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Source files (not tests) under packages/<name>/src. */
function sources(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
    }
  };
  for (const name of readdirSync(packagesDir)) walk(join(packagesDir, name, 'src'));
  return files;
}

describe('zod-setup', () => {
  it('is imported by every module that imports zod values, right after zod (schemas are built with the JIT off)', () => {
    const valueImport = /^import \{[^}]*\} from 'zod';$/m;
    const modules = sources().filter((file) => !file.endsWith('zod-setup.ts') && valueImport.test(readFileSync(file, 'utf8')));
    // The artifacts, config and inputs of core, and report-stages of the CLI at least.
    expect(modules.length).toBeGreaterThanOrEqual(7);
    const missing = modules.filter((file) => {
      const text = readFileSync(file, 'utf8');
      const own = file.startsWith(join(packagesDir, 'core', 'src'));
      const setup = own ? /^import '(\.\/|\.\.\/)+zod-setup\.js';$/m : /^import '@modelgate\/core\/zod-setup';$/m;
      const at = text.search(setup);
      return at < 0 || at > text.search(valueImport) + text.match(valueImport)![0].length + 1;
    });
    expect(missing.map((file) => relative(packagesDir, file))).toEqual([]);
  });
});
