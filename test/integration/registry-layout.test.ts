/**
 * The OCI image layout modelgate writes must be readable by a real OCI tool: skopeo (Debian
 * package `skopeo`) inspects the manifest and copies the whole artifact out of it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildArtifact, OciLayout } from '@modelgate/registry';

const SKOPEO = '/usr/bin/skopeo';

it('skopeo reads and copies a modelgate OCI layout', async () => {
  const probe = spawnSync(SKOPEO, ['--version'], { encoding: 'utf8' });
  expect(probe.status, `skopeo is needed: apt-get install skopeo (${probe.error?.message ?? probe.stderr})`).toBe(0);

  const dir = mkdtempSync(join(tmpdir(), 'modelgate-skopeo-'));
  const artifact = buildArtifact({
    version: '1.2.0',
    revision: 'a'.repeat(40),
    source: 'https://github.com/acme/income',
    created: '2024-05-01T12:00:00Z',
    files: [
      { title: 'model.onnx', content: new Uint8Array(4096).fill(7) },
      { title: 'metrics.json', content: new TextEncoder().encode('{"kind":"metrics"}') },
    ],
  });
  const layout = new OciLayout(dir);
  await layout.push(artifact, { tag: '1.2.0', aliases: ['latest'] });

  for (const tag of ['1.2.0', 'latest']) {
    const raw = spawnSync(SKOPEO, ['inspect', '--raw', `oci:${dir}:${tag}`], { encoding: 'utf8' });
    expect(raw.status, raw.stderr).toBe(0);
    expect(raw.stdout).toBe(new TextDecoder().decode(artifact.manifestBytes));
  }

  // A full copy reads and verifies every blob; the copy keeps the manifest byte for byte.
  const copy = mkdtempSync(join(tmpdir(), 'modelgate-skopeo-copy-'));
  const copied = spawnSync(SKOPEO, ['copy', '--preserve-digests', `oci:${dir}:1.2.0`, `oci:${copy}:1.2.0`], { encoding: 'utf8' });
  expect(copied.status, copied.stderr).toBe(0);
  const back = await new OciLayout(copy).pull('1.2.0', mkdtempSync(join(tmpdir(), 'modelgate-skopeo-out-')));
  expect(back.digest).toBe(artifact.manifestDescriptor.digest);
  expect(readFileSync(back.files.find((file) => file.title === 'model.onnx')!.path)).toEqual(Buffer.from(new Uint8Array(4096).fill(7)));
});
