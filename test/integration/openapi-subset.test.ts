import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/run-action.js';

it('the committed OpenAPI subset equals a fresh extraction from the pinned @octokit/openapi', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'modelgate-openapi-')), 'subset.json');
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'extract-openapi.mjs'), '--out', out], { stdio: 'pipe' });
  expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'test', 'github', 'openapi-subset.json'), 'utf8'));
});
