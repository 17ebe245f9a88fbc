import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from './client.js';
import { MissingPermissionError } from './permissions.js';
import { renderReleaseNotes } from './release-notes.js';
import { contentTypeFor, publishGitHubRelease, ReleaseConflictError, type PublishGitHubReleaseOptions, type ReleaseFile } from './releases.js';
import { REPO, startHarness, type Harness } from './test-helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.fake.close();
});

const SHA = 'c'.repeat(40);
const TAG = 'income/v1.2.0';
const enc = (text: string) => new TextEncoder().encode(text);
const FILES: ReleaseFile[] = [
  { name: 'model.onnx', bytes: new Uint8Array([0, 1, 2, 253, 254, 255, ...enc('onnx')]) },
  { name: 'metrics.json', bytes: enc('{"accuracy":0.91}\n') },
  { name: 'model-card.md', bytes: enc('# income\n') },
];
const publish = (overrides: Partial<PublishGitHubReleaseOptions> = {}) =>
  publishGitHubRelease({
    client: h.client,
    ...REPO,
    tag: TAG,
    targetSha: SHA,
    name: 'income 1.2.0',
    body: 'notes',
    files: FILES,
    logger: h.logger,
    ...overrides,
  });
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const writes = () => h.fake.requests.filter((r) => WRITES.has(r.method)).map((r) => `${r.operationId} ${r.status}`);
const release = () => h.fake.state.releases.find((r) => r.tag_name === TAG)!;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('publishGitHubRelease', () => {
  it('cuts release notes over GitHub\'s 125 000 characters at a line, closing an open code fence, with a notice', async () => {
    h = await startHarness();
    const long = `# income 1.2.0\n\n\`\`\`\n${'0123456789 abcdefghij 😀\n'.repeat(6_000)}\`\`\`\n`;
    await publish({ body: long });
    const body = release().body!;
    expect(body.length).toBeLessThanOrEqual(125_000);
    expect(body.length).toBeGreaterThan(120_000);
    expect(body).toMatch(/abcdefghij 😀\n```\n\n> \[!WARNING\]\n> Truncated: this text is 150,024 characters, over GitHub's limit of 125,000\./);
  });

  it('creates a draft, uploads and verifies every asset, then publishes once, which creates the tag', async () => {
    h = await startHarness();
    const result = await publish();
    expect(result).toMatchObject({ tag: TAG, unchanged: false });
    expect(result.url).toBe(`${h.fake.serverUrl}/acme/models/releases/tag/${encodeURIComponent(TAG)}`);
    expect(h.fake.state.refsOf('acme', 'models').get(`refs/tags/${TAG}`)).toBe(SHA);
    const stored = release();
    expect(stored).toMatchObject({ id: result.releaseId, draft: false, name: 'income 1.2.0', body: 'notes', target_commitish: SHA });
    expect(stored.assets.map((a) => [a.name, a.content_type, sha(a.data)])).toEqual(
      FILES.map((f) => [f.name, contentTypeFor(f.name), sha(f.bytes)]),
    );
    expect(stored.assets.map((a) => a.content_type)).toEqual(['application/octet-stream', 'application/json', 'text/markdown; charset=utf-8']);
    // Every upload was read back once.
    expect(h.fake.requestsFor('repos/get-release-asset')).toHaveLength(3);
    expect(h.fake.requestsFor('repos/upload-release-asset').every((r) => r.host === 'uploads')).toBe(true);
    expect(writes()).toEqual([
      'repos/create-release 201',
      'repos/upload-release-asset 201',
      'repos/upload-release-asset 201',
      'repos/upload-release-asset 201',
      'repos/update-release 200',
    ]);
    // The tag is made by publishing, not before: a run that fails earlier leaves none behind.
    expect(h.fake.requestsFor('repos/update-release').at(-1)!.body).toEqual({ tag_name: TAG, target_commitish: SHA, draft: false, make_latest: 'false' });
    expect(h.fake.violations).toEqual([]);
  });

  it('is a no-op on a rerun with the same content: no writes', async () => {
    h = await startHarness();
    const first = await publish();
    h.fake.requests.length = 0;
    const again = await publish();
    expect(again).toEqual({ ...first, unchanged: true });
    expect(writes()).toEqual([]);
    expect(h.logger.lines.some((e) => /nothing changed/.test(e.message))).toBe(true);
    expect(h.fake.violations).toEqual([]);
  });

  it('refuses different content under an already published tag and changes nothing', async () => {
    h = await startHarness();
    await publish();
    const before = structuredClone(release().assets.map((a) => [a.id, a.name, sha(a.data)]));
    h.fake.requests.length = 0;
    const changed = [{ ...FILES[0]!, bytes: enc('another model') }, ...FILES.slice(1)];
    const error = await publish({ files: changed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseConflictError);
    expect((error as Error).message).toMatch(/already published with different assets \(model\.onnx has different content\)/);
    await expect(publish({ files: [...FILES, { name: 'extra.txt', bytes: enc('x') }] })).rejects.toThrow(/extra\.txt missing/);
    expect(writes()).toEqual([]);
    expect(release().assets.map((a) => [a.id, a.name, sha(a.data)])).toEqual(before);
    expect(h.fake.violations).toEqual([]);
  });

  it('refuses a tag that already points at another commit', async () => {
    h = await startHarness();
    h.fake.state.refsOf('acme', 'models').set(`refs/tags/${TAG}`, 'd'.repeat(40));
    await expect(publish()).rejects.toThrow(/already points at commit d{40}, not at c{40}/);
    expect(h.fake.state.releases).toEqual([]);
    // An existing tag at the right commit is fine.
    h.fake.state.refsOf('acme', 'models').set(`refs/tags/${TAG}`, SHA);
    expect((await publish()).unchanged).toBe(false);
    expect(h.fake.violations).toEqual([]);
  });

  it('retries an upload answered with 502 and publishes', async () => {
    h = await startHarness();
    h.fake.injectFault({ match: { operationId: 'repos/upload-release-asset' }, kind: { type: 'server-error', status: 502 } });
    const result = await publish();
    expect(result.unchanged).toBe(false);
    expect(h.fake.requestsFor('repos/upload-release-asset').map((r) => r.status)).toEqual([502, 201, 201, 201]);
    expect(release().assets.map((a) => sha(a.data))).toEqual(FILES.map((f) => sha(f.bytes)));
    expect(h.fake.violations).toEqual([]);
  });

  it('accepts an asset the interrupted first attempt did store (the retry answers 422 already_exists)', async () => {
    h = await startHarness();
    // The first upload reaches GitHub, but the client sees a 502 (the edge timed out on the response).
    let failed = false;
    const client = createGitHubClient({
      token: 'fake-token',
      baseUrl: h.fake.url,
      logger: h.logger,
      retryBaseDelayMs: 1,
      spaceWrites: false,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!failed && String(input instanceof Request ? input.url : input).startsWith(h.fake.uploadUrl)) {
          failed = true;
          await response.arrayBuffer();
          return new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
        }
        return response;
      },
    });
    const result = await publish({ client });
    expect(result.unchanged).toBe(false);
    expect(h.fake.requestsFor('repos/upload-release-asset').map((r) => r.status)).toEqual([201, 422, 201, 201]);
    expect(h.fake.requestsFor('repos/delete-release-asset')).toEqual([]);
    expect(release().assets.map((a) => sha(a.data))).toEqual(FILES.map((f) => sha(f.bytes)));
    expect(h.fake.violations).toEqual([]);
  });

  it('resumes the draft a failed run left: keeps good assets, replaces partial and stray ones', async () => {
    h = await startHarness();
    // The first run dies on publishing (502 on the request and all 3 retries).
    h.fake.injectFault({ match: { operationId: 'repos/update-release' }, times: 4, kind: { type: 'server-error', status: 502 } });
    await expect(publish()).rejects.toMatchObject({ status: 502 });
    const draft = release();
    expect(draft.draft).toBe(true);
    // Simulate a truncated upload and a stray file.
    draft.assets[1]!.data = draft.assets[1]!.data.subarray(0, 5);
    draft.assets.push({ ...draft.assets[0]!, id: 999_999, node_id: 'RA_stray', name: 'stray.bin', data: Buffer.from('x') });
    const kept = draft.assets[0]!.id;
    h.fake.requests.length = 0;

    const result = await publish();
    expect(result).toMatchObject({ releaseId: draft.id, unchanged: false });
    expect(h.fake.state.releases.filter((r) => r.tag_name === TAG)).toHaveLength(1);
    expect(writes()).toEqual([
      'repos/delete-release-asset 204',
      'repos/delete-release-asset 204',
      'repos/upload-release-asset 201',
      'repos/update-release 200',
    ]);
    expect(h.fake.requestsFor('git/create-ref')).toEqual([]);
    const stored = release();
    expect(stored.draft).toBe(false);
    expect(stored.assets[0]!.id).toBe(kept);
    expect(stored.assets.map((a) => [a.name, sha(a.data)]).sort()).toEqual(FILES.map((f) => [f.name, sha(f.bytes)]).sort());
    expect(h.fake.violations).toEqual([]);
  });

  it('leaves no tag when it fails before publishing, so the next run, from another commit, resumes the draft there', async () => {
    h = await startHarness();
    h.fake.injectFault({ match: { operationId: 'repos/update-release' }, times: 4, kind: { type: 'server-error', status: 503 } });
    await expect(publish()).rejects.toMatchObject({ status: 503 });
    expect(h.fake.state.refsOf('acme', 'models').has(`refs/tags/${TAG}`)).toBe(false);
    const later = 'e'.repeat(40);
    const result = await publish({ targetSha: later });
    expect(result).toMatchObject({ releaseId: release().id, unchanged: false });
    expect(release()).toMatchObject({ draft: false, target_commitish: later });
    expect(h.fake.state.refsOf('acme', 'models').get(`refs/tags/${TAG}`)).toBe(later);
    expect(h.fake.requestsFor('git/create-ref')).toEqual([]);
    expect(h.fake.violations).toEqual([]);
  });

  it('deletes the tag an earlier run made for a draft it never published, and publishes at the new commit', async () => {
    h = await startHarness();
    // What a run of an earlier modelgate, which tagged before drafting, left when publishing failed.
    const earlier = 'd'.repeat(40);
    h.fake.state.refsOf('acme', 'models').set(`refs/tags/${TAG}`, earlier);
    h.fake.injectFault({ match: { operationId: 'repos/update-release' }, times: 4, kind: { type: 'server-error', status: 503 } });
    await expect(publish({ targetSha: earlier })).rejects.toMatchObject({ status: 503 });
    h.fake.requests.length = 0;

    await publish();
    expect(writes()).toEqual([
      'git/delete-ref 204',
      'repos/update-release 200',
      'repos/update-release 200',
    ]);
    expect(h.fake.state.refsOf('acme', 'models').get(`refs/tags/${TAG}`)).toBe(SHA);
    expect(release()).toMatchObject({ draft: false, target_commitish: SHA });
    expect(h.logger.lines.some((e) => e.message.includes(`tag ${TAG} points at ${earlier}, where an earlier run's release of it was never published`))).toBe(true);
    expect(h.fake.violations).toEqual([]);
  });

  it('refuses a tag at another commit that no draft of this tag targets, and leaves it', async () => {
    h = await startHarness();
    const refs = h.fake.state.refsOf('acme', 'models');
    // A draft of this tag at a third commit does not make a tag elsewhere its leftover.
    h.fake.injectFault({ match: { operationId: 'repos/update-release' }, times: 4, kind: { type: 'server-error', status: 503 } });
    await expect(publish({ targetSha: 'e'.repeat(40) })).rejects.toMatchObject({ status: 503 });
    refs.set(`refs/tags/${TAG}`, 'd'.repeat(40));
    h.fake.requests.length = 0;
    await expect(publish()).rejects.toThrow(new ReleaseConflictError(`tag ${TAG} in acme/models already points at commit ${'d'.repeat(40)}, not at ${SHA}; refusing to release it for another commit`));
    expect(writes()).toEqual([]);
    expect(refs.get(`refs/tags/${TAG}`)).toBe('d'.repeat(40));
    expect(h.fake.violations).toEqual([]);
  });

  it('publishes a prerelease as one, never "Latest", also when it resumes a draft made as a full release', async () => {
    h = await startHarness();
    h.fake.injectFault({ match: { operationId: 'repos/update-release' }, times: 4, kind: { type: 'server-error', status: 503 } });
    await expect(publish({ makeLatest: true })).rejects.toMatchObject({ status: 503 });
    expect(release()).toMatchObject({ draft: true, prerelease: false });
    h.fake.requests.length = 0;

    await publish({ prerelease: true, makeLatest: true });
    expect(release()).toMatchObject({ draft: false, prerelease: true });
    expect(h.fake.requestsFor('repos/update-release').map((r) => r.body)).toEqual([
      { name: 'income 1.2.0', body: 'notes', target_commitish: SHA, prerelease: true },
      { tag_name: TAG, target_commitish: SHA, draft: false, make_latest: 'false' },
    ]);
    expect(h.fake.state.latestRelease('acme', 'models')).toBeUndefined();
    const fresh = await publish({ tag: 'income/v2.0.0-rc.1', prerelease: true });
    expect(h.fake.requestsFor('repos/create-release').at(-1)!.body).toMatchObject({ tag_name: 'income/v2.0.0-rc.1', draft: true, prerelease: true });
    expect(h.fake.state.releases.find((r) => r.id === fresh.releaseId)).toMatchObject({ draft: false, prerelease: true });
    expect(h.fake.violations).toEqual([]);
  });

  it('takes the repository\'s "Latest" only when asked to', async () => {
    h = await startHarness();
    const other = await publish({ tag: 'churn/v1.0.0', makeLatest: true });
    expect(h.fake.state.latestRelease('acme', 'models')?.id).toBe(other.releaseId);
    await publish();
    expect(h.fake.requestsFor('repos/update-release').at(-1)!.body).toMatchObject({ make_latest: 'false' });
    expect(h.fake.state.latestRelease('acme', 'models')?.id).toBe(other.releaseId);
    const mine = await publish({ tag: 'v1.3.0', makeLatest: true });
    expect(h.fake.requestsFor('repos/update-release').at(-1)!.body).toMatchObject({ make_latest: 'true' });
    expect(h.fake.state.latestRelease('acme', 'models')?.id).toBe(mine.releaseId);
    expect(h.fake.violations).toEqual([]);
  });

  it("refuses an asset GitHub would not take (2 GiB or more) before any request", async () => {
    h = await startHarness();
    // Only the length is read before refusing: no 2 GiB buffer needed.
    const huge = { name: 'model.onnx', bytes: { byteLength: 2 * 1024 ** 3 } as Uint8Array };
    await expect(publish({ files: [FILES[1]!, huge] })).rejects.toThrow(
      "release asset 'model.onnx' is 2.00 GiB (2147483648 bytes); GitHub Releases only take files under 2 GiB: publish this model to an OCI registry instead (to: oci://…)",
    );
    expect(h.fake.requests).toEqual([]);
  });

  it('names the missing permission on a read-only token', async () => {
    h = await startHarness({ permissions: { contents: 'read' } });
    const error = await publish().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPermissionError);
    expect((error as MissingPermissionError).permission).toBe('contents: write');
  });

  it('refuses asset names GitHub would rename', async () => {
    h = await startHarness();
    await expect(publish({ files: [{ name: 'model v1.onnx', bytes: enc('x') }] })).rejects.toThrow(/may only contain/);
    expect(h.fake.requests).toEqual([]);
  });
});

describe('renderReleaseNotes', () => {
  it('shows the card summary and diffs the metrics against the previous version', () => {
    expect(
      renderReleaseNotes({ title: 'income 1.1.0', summary: 'Predicts income > 50K.', bump: 'minor: f1 improved', metrics: { f1: 0.82, accuracy: 0.85, auc: 0.9 }, previous: { version: '1.0.0', metrics: { f1: 0.8, accuracy: 0.85, loss: 0.3 } } }),
    ).toBe(
      '## income 1\\.1\\.0\n\nPredicts income &gt; 50K\\.\n\n**Version bump:** minor: f1 improved\n\n### Metrics\n\n' +
        '| metric | 1\\.0\\.0 | this release | change |\n|---|---:|---:|---:|\n' +
        '| `accuracy` | 0.85 | 0.85 | +0 |\n| `auc` | – | 0.9 | new |\n| `f1` | 0.8 | 0.82 | +0.02 |\n| `loss` | 0.3 | – | removed |\n',
    );
    expect(renderReleaseNotes({ title: 'income 1.0.0', metrics: { f1: 0.8 } })).toBe('## income 1\\.0\\.0\n\n### Metrics\n\n| metric | value |\n|---|---:|\n| `f1` | 0.8 |\n');
  });

  it('escapes what comes from the schema, the metrics and the card: no comment, mention, reference, HTML or extra column', () => {
    const notes = renderReleaseNotes({
      title: 'income 1.0.1',
      summary: 'Predicts <!-- income --> for @octocat, see #1 <img src=x onerror=alert(1)>\r# Heading',
      bump: "compatible changes: column 'job' domain widened: '#1', '@octocat' allowed; column '<!-- hidden' added (optional); column 'a|b' added",
      metrics: { 'f1 | @octocat': 0.8, 'tick`s': 0.5, '<!--': 0.1 },
      previous: { version: '1.0.0', metrics: { 'f1 | @octocat': 0.7 } },
    });
    // What is left outside code spans is what GitHub interprets.
    const live = notes.replace(/(`+)[\s\S]*?\1/g, 'CODE');
    expect(live).not.toMatch(/<!--|<img|@octocat|(^|[^\\])#1|\r/);
    expect(notes).not.toContain('\r');
    expect(notes).toContain("column '&lt;\\!\\-\\- hidden' added");
    expect(notes).toContain("'\\#1', '@\u2060octocat' allowed");
    expect(notes).toContain('| `f1 \\| @octocat` | 0.7 | 0.8 | +0.1 |');
    expect(notes).toContain('| ``tick`s`` | – | 0.5 | new |');
    for (const row of notes.split('\n').filter((line) => line.startsWith('|'))) expect(row.match(/(?<!\\)\|/g)).toHaveLength(5);
  });
});
