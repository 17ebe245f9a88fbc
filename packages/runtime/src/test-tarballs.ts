/**
 * Test helpers: a minimal tar writer and synthetic onnxruntime-node / onnxruntime-common
 * tarballs with the real packages' layout, plus a 127.0.0.1 registry serving them.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface TarInput {
  path: string;
  content?: string | Uint8Array;
  type?: 'file' | 'directory' | 'symlink';
  linkName?: string;
  mode?: number;
}

function header(name: string, size: number, typeflag: string, mode: number, linkName = ''): Buffer {
  const block = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number): void => {
    block.write(text.slice(0, length), offset, length, 'utf8');
  };
  const num = (value: number, offset: number, length: number): void => put(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  put(name, 0, 100);
  num(mode, 100, 8);
  num(0, 108, 8);
  num(0, 116, 8);
  num(size, 124, 12);
  num(1_700_000_000, 136, 12);
  put('        ', 148, 8);
  put(typeflag, 156, 1);
  put(linkName, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % 512;
  return rest === 0 ? [data] : [data, Buffer.alloc(512 - rest)];
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length = `${length}${body}`.length;
  return `${length}${body}`;
}

/** An uncompressed tar; names over 100 bytes get a pax `path` header. */
export function makeTar(entries: TarInput[], options: { endMarker?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === 'file' || entry.type === undefined ? Buffer.from(entry.content ?? '') : Buffer.alloc(0);
    let name = entry.path;
    if (Buffer.byteLength(name) > 100) {
      const pax = Buffer.from(paxRecord('path', name));
      parts.push(header('PaxHeader/long', pax.length, 'x', 0o644), ...padded(pax));
      name = name.slice(0, 100);
    }
    const typeflag = entry.type === 'directory' ? '5' : entry.type === 'symlink' ? '2' : '0';
    parts.push(header(name, data.length, typeflag, entry.mode ?? (entry.type === 'directory' ? 0o755 : 0o644), entry.linkName), ...padded(data));
  }
  if (options.endMarker !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha512Integrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

const BINARY_PLATFORMS = ['darwin/arm64', 'linux/arm64', 'linux/x64', 'win32/arm64', 'win32/x64'];

/** A fake onnxruntime-node@1.30.0 laid out like the real one (dist/, lib/, script/, bin/napi-v6/<p>/<a>/). */
export function fakeNodeTarball(options: { version?: string; commonVersion?: string; platforms?: string[] } = {}): Buffer {
  const version = options.version ?? '1.30.0';
  const entries: TarInput[] = [
    {
      path: 'package/package.json',
      content: JSON.stringify({
        name: 'onnxruntime-node',
        version,
        main: 'dist/index.js',
        dependencies: { 'onnxruntime-common': options.commonVersion ?? '1.30.0', 'adm-zip': '^0.6.0' },
        scripts: { postinstall: 'node ./script/install' },
      }),
    },
    { path: 'package/README.md', content: '# fake' },
    { path: 'package/dist', type: 'directory' },
    {
      path: 'package/dist/index.js',
      content: [
        "'use strict';",
        "const common = require('onnxruntime-common');",
        'exports.Tensor = common.Tensor;',
        'exports.env = common.env;',
        'exports.commonIsFake = common.fake === true;',
        'exports.InferenceSession = { create: async () => { throw new Error("fake onnxruntime"); } };',
        `exports.version = ${JSON.stringify(version)};`,
      ].join('\n'),
    },
    { path: 'package/dist/index.js.map', content: '{}' },
    { path: 'package/dist/index.d.ts', content: 'export {};' },
    { path: 'package/lib/index.ts', content: 'export {};' },
    // If this ever ran it would leave a file behind; the tests assert it is neither unpacked nor run.
    { path: 'package/script/install.js', content: "require('fs').writeFileSync(__dirname + '/../INSTALL-SCRIPT-RAN', 'x');" },
    { path: 'package/bin/napi-v6/linux/x64/libonnxruntime-link.so', type: 'symlink', linkName: '../../../../../../../etc/passwd' },
    { path: `package/dist/${'deep/'.repeat(20)}long-name.js`, content: 'module.exports = 1;' },
  ];
  for (const platform of options.platforms ?? BINARY_PLATFORMS) {
    entries.push(
      { path: `package/bin/napi-v6/${platform}/onnxruntime_binding.node`, content: `binding ${platform}`, mode: 0o755 },
      { path: `package/bin/napi-v6/${platform}/libonnxruntime.so.1`, content: Buffer.alloc(2000, 7) },
    );
  }
  return gzipSync(makeTar(entries));
}

/** A fake onnxruntime-common: "type": "module" at the top, CommonJS in dist/cjs (with its own package.json), like the real one. */
export function fakeCommonTarball(version = '1.30.0'): Buffer {
  return gzipSync(
    makeTar([
      {
        path: 'package/package.json',
        content: JSON.stringify({ name: 'onnxruntime-common', version, type: 'module', main: 'dist/cjs/index.js', exports: { require: './dist/cjs/index.js', import: './dist/esm/index.js' } }),
      },
      { path: 'package/dist/cjs/package.json', content: '{"type":"commonjs"}' },
      { path: 'package/dist/cjs/index.js', content: "'use strict';\nexports.Tensor = class Tensor {};\nexports.env = {};\nexports.fake = true;\n" },
      { path: 'package/dist/esm/index.js', content: 'export const fake = true;\n' },
      { path: 'package/lib/index.ts', content: 'export {};' },
    ]),
  );
}

export interface TestRegistry {
  url: string;
  /** Request paths seen, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serve `files` (URL path → bytes) from 127.0.0.1; anything else is a 404. */
export async function startRegistry(files: Record<string, Uint8Array | ((res: import('node:http').ServerResponse) => void)>): Promise<TestRegistry> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const file = files[path];
    if (typeof file === 'function') return file(res);
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.length) });
    res.end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
