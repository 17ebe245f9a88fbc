import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArtifact, OciLayout, sha256Digest } from '@modelgate/registry';
import { chooseBaselineTag, loadRegistryBaseline } from './registry-baseline.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const temp = () => mkdtempSync(join(tmpdir(), 'modelgate-baseline-test-'));
const metrics = (accuracy: number) => `${JSON.stringify({ kind: 'metrics', metrics: { accuracy } })}\n`;

async function release(layout: OciLayout, version: string, files: Record<string, string>, aliases: string[]) {
  const artifact = buildArtifact({
    version,
    created: '2024-05-01T12:00:00Z',
    files: Object.entries(files).map(([title, text]) => ({ title, content: bytes(text) })),
  });
  await layout.push(artifact, { tag: version, aliases });
  return artifact.manifestDescriptor.digest;
}

describe('loadRegistryBaseline', () => {
  it('reads metrics.json of the champion when it exists, else of latest', async () => {
    const ws = temp();
    const layout = new OciLayout(join(ws, 'registry'));
    const champion = await release(layout, '1.0.0', { 'model.onnx': 'm1', 'metrics.json': metrics(0.9) }, ['latest', 'champion']);
    const latest = await release(layout, '1.1.0', { 'model.onnx': 'm2', 'metrics.json': metrics(0.8) }, ['latest']);
    const tempDir = temp();

    const found = await loadRegistryBaseline({ to: 'dir:registry', workspace: ws, tempDir });
    expect(found).toEqual({ text: metrics(0.9), version: '1.0.0', digest: champion, tag: 'champion', source: 'dir:registry:champion' });
    // The pull directory is cleaned up.
    expect(readdirSync(tempDir)).toEqual([]);

    expect(await loadRegistryBaseline({ to: 'dir:registry', workspace: ws, tempDir, alias: 'latest' })).toMatchObject({ version: '1.1.0', digest: latest, text: metrics(0.8) });

    const onlyLatest = new OciLayout(join(ws, 'other'));
    await release(onlyLatest, '2.0.0', { 'metrics.json': metrics(0.7) }, ['latest']);
    expect(await loadRegistryBaseline({ to: `dir:${join(ws, 'other')}`, tempDir })).toMatchObject({ version: '2.0.0', tag: 'latest' });
  });

  it('says why there is nothing to compare with: a missing registry, a missing alias or a release without metrics.json', async () => {
    const ws = temp();
    const tempDir = temp();
    expect(await loadRegistryBaseline({ to: 'dir:registry', workspace: ws, tempDir })).toEqual({ missing: 'dir:registry does not exist yet (nothing released)' });
    const layout = new OciLayout(join(ws, 'registry'));
    await release(layout, '1.0.0', { 'model.onnx': 'm1' }, ['latest']);
    expect(await loadRegistryBaseline({ to: 'dir:registry', workspace: ws, tempDir, alias: 'champion' })).toEqual({ missing: "dir:registry has no tag 'champion' (tags: 1.0.0, latest)" });
    expect(await loadRegistryBaseline({ to: 'dir:registry', workspace: ws, tempDir })).toEqual({ missing: expect.stringMatching(/^dir:registry:latest \(sha256:[0-9a-f]{64}\) has no metrics\.json$/) });
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('refuses a tampered metrics.json (digest verification by the pull)', async () => {
    const ws = temp();
    const layout = new OciLayout(join(ws, 'registry'));
    await release(layout, '1.0.0', { 'metrics.json': metrics(0.9) }, ['latest']);
    const blob = layout.blobPath(sha256Digest(bytes(metrics(0.9))));
    writeFileSync(blob, metrics(0.99).slice(0, readFileSync(blob).length));
    await expect(loadRegistryBaseline({ to: 'dir:registry', workspace: ws, tempDir: temp() })).rejects.toThrow(/digest mismatch/);
  });

  it('rejects a registry that is neither dir: nor oci://', async () => {
    await expect(loadRegistryBaseline({ to: 'github', tempDir: temp() })).rejects.toThrow(/dir:<path> or oci:\/\//);
  });

  it('chooses champion, then latest, then the highest version', () => {
    expect(chooseBaselineTag(['1.0.0', 'latest', 'champion'])).toBe('champion');
    expect(chooseBaselineTag(['1.0.0', 'latest'])).toBe('latest');
    expect(chooseBaselineTag(['1.2.0', '1.10.0', 'dev'])).toBe('1.10.0');
    expect(chooseBaselineTag(['dev'])).toBeUndefined();
    expect(chooseBaselineTag(['latest'], 'champion')).toBeUndefined();
  });
});
