#!/usr/bin/env node
// Extracts the subset of GitHub's REST OpenAPI description that the fake GitHub
// server (test/github/fake-github.ts) validates requests and responses against.
//
// The description comes from the npm package @octokit/openapi, fetched with
// `npm pack` into a temp dir so it never becomes a dependency (it is ~400 MB
// unpacked). The output is deterministic: rerunning this script with the same
// pinned version must reproduce test/github/openapi-subset.json byte for byte.
//
// Usage: node scripts/extract-openapi.mjs [--source <path to api.github.com.json>] [--out <file>]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@octokit/openapi';
const PACKAGE_VERSION = '23.0.2';
// The non-dereferenced variant keeps `$ref`s, so shared schemas (simple-user,
// repository, ...) are stored once in `components` instead of being inlined
// dozens of times; it is also 6x smaller to parse.
const DESCRIPTION_FILE = 'package/generated/api.github.com.json';

const OPERATIONS = [
  // Issue comments
  'issues/list-comments',
  'issues/create-comment',
  'issues/get-comment',
  'issues/update-comment',
  'issues/delete-comment',
  // Commit comments
  'repos/create-commit-comment',
  'repos/list-comments-for-commit',
  'repos/update-commit-comment',
  'repos/delete-commit-comment',
  // Pull requests
  'pulls/get',
  // Check runs
  'checks/create',
  'checks/update',
  'checks/get',
  'checks/list-annotations',
  // Releases and release assets
  'repos/create-release',
  'repos/update-release',
  'repos/get-release',
  'repos/get-release-by-tag',
  'repos/list-releases',
  'repos/delete-release',
  'repos/list-release-assets',
  'repos/get-release-asset',
  'repos/delete-release-asset',
  'repos/upload-release-asset',
  // Git database
  'git/create-ref',
  'git/get-ref',
  'git/update-ref',
  'git/delete-ref',
  'git/create-tag',
  // Identity and metadata
  'repos/get',
  'users/get-authenticated',
  'apps/get-authenticated',
  // Actions
  'actions/list-workflow-run-artifacts',
  'actions/get-workflow-run',
];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// Documentation-only keywords: dropping them keeps the committed file small.
const DROPPED_KEYWORDS = new Set(['description', 'example', 'examples', 'title', 'externalDocs', 'summary']);
// Keywords whose value is a map from names to subschemas (the names are data, not keywords).
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'];
const SCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_SINGLES = ['items', 'additionalProperties', 'not', 'additionalItems', 'contains', 'propertyNames'];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const outputPath = outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]) : join(repoRoot, 'test/github/openapi-subset.json');

function fail(message) {
  console.error(`extract-openapi: ${message}`);
  process.exit(1);
}

function loadDescription() {
  const sourceFlag = process.argv.indexOf('--source');
  if (sourceFlag !== -1) {
    const source = process.argv[sourceFlag + 1];
    if (!source) fail('--source needs a path');
    return JSON.parse(readFileSync(source, 'utf8'));
  }
  const dir = mkdtempSync(join(tmpdir(), 'octokit-openapi-'));
  try {
    // `shell` is needed on Windows where npm is npm.cmd; the arguments are constants.
    execFileSync('npm', ['pack', `${PACKAGE}@${PACKAGE_VERSION}`, '--silent', '--pack-destination', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      shell: process.platform === 'win32',
    });
    const tarball = join(dir, `octokit-openapi-${PACKAGE_VERSION}.tgz`);
    // Extract only the one description we need.
    execFileSync('tar', ['-xzf', tarball, '-C', dir, DESCRIPTION_FILE], { stdio: 'inherit' });
    return JSON.parse(readFileSync(join(dir, DESCRIPTION_FILE), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves a local `#/a/b/c` pointer inside the description. */
function resolvePointer(doc, ref) {
  if (!ref.startsWith('#/')) fail(`unsupported non-local $ref ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node?.[key];
    if (node === undefined) fail(`dangling $ref ${ref}`);
  }
  return node;
}

/** Follows `$ref`s for non-schema objects (parameters, responses, request bodies). */
function deref(doc, node) {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
    if (hops > 20) fail(`$ref cycle at ${node.$ref}`);
    current = resolvePointer(doc, current.$ref);
  }
  return current;
}

/**
 * Copies a JSON schema without documentation keywords and vendor extensions,
 * recording every `#/components/schemas/*` it references in `refs`.
 */
function cleanSchema(schema, refs) {
  if (Array.isArray(schema)) return schema.map((s) => cleanSchema(s, refs));
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYWORDS.has(key) || key.startsWith('x-')) continue;
    if (key === '$ref') {
      if (!value.startsWith('#/components/schemas/')) fail(`unexpected schema $ref ${value}`);
      refs.add(value.slice('#/components/schemas/'.length));
      out[key] = value;
    } else if (SCHEMA_MAPS.includes(key)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, cleanSchema(sub, refs)]));
    } else if (SCHEMA_ARRAYS.includes(key) || SCHEMA_SINGLES.includes(key)) {
      out[key] = cleanSchema(value, refs);
    } else {
      // Data keywords (enum, default, const, required, ...) are copied verbatim.
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function findOperations(doc) {
  const byId = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op?.operationId) byId.set(op.operationId, { path, method, op, item });
    }
  }
  return byId;
}

function extractOperation(doc, { path, method, op, item }, refs) {
  // Path-item parameters apply to every method; operation-level ones override by (in, name).
  const params = new Map();
  for (const raw of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
    const p = deref(doc, raw);
    params.set(`${p.in}:${p.name}`, p);
  }
  const parameters = [...params.values()]
    .filter((p) => p.in === 'path' || p.in === 'query')
    .map((p) => ({
      name: p.name,
      in: p.in,
      required: p.required === true,
      schema: cleanSchema(p.schema ?? {}, refs),
    }));

  let requestBody;
  if (op.requestBody) {
    const body = deref(doc, op.requestBody);
    const content = {};
    for (const [type, media] of Object.entries(body.content ?? {})) {
      content[type] = { schema: cleanSchema(media.schema ?? {}, refs) };
    }
    requestBody = { required: body.required === true, content };
  }

  const responses = {};
  for (const [status, raw] of Object.entries(op.responses ?? {})) {
    if (!/^2\d\d$/.test(status)) continue;
    const response = deref(doc, raw);
    const json = response.content?.['application/json'];
    responses[status] = json?.schema ? { schema: cleanSchema(json.schema, refs) } : {};
  }
  if (Object.keys(responses).length === 0) fail(`${op.operationId} has no success response`);

  const operation = { operationId: op.operationId, method: method.toUpperCase(), path };
  // Only upload-release-asset overrides the server (uploads.github.com).
  if (op.servers) operation.servers = op.servers.map((s) => s.url);
  if (op.externalDocs?.url) operation.docs = op.externalDocs.url;
  operation.parameters = parameters;
  if (requestBody) operation.requestBody = requestBody;
  operation.responses = responses;
  return operation;
}

function main() {
  const doc = loadDescription();
  const byId = findOperations(doc);
  const missing = OPERATIONS.filter((id) => !byId.has(id));
  if (missing.length > 0) fail(`operationIds not found in ${PACKAGE}@${PACKAGE_VERSION}: ${missing.join(', ')}`);

  const refs = new Set();
  const operations = OPERATIONS.map((id) => extractOperation(doc, byId.get(id), refs));

  // Pull in the transitive closure of referenced component schemas.
  const schemas = {};
  const queue = [...refs];
  while (queue.length > 0) {
    const name = queue.pop();
    if (name in schemas) continue;
    const nested = new Set();
    schemas[name] = cleanSchema(resolvePointer(doc, `#/components/schemas/${name}`), nested);
    queue.push(...[...nested].filter((n) => !(n in schemas)));
  }
  const sortedSchemas = Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((name) => [name, schemas[name]]),
  );

  const subset = {
    source: {
      package: PACKAGE,
      version: PACKAGE_VERSION,
      file: DESCRIPTION_FILE.replace(/^package\//, ''),
      openapi: doc.openapi,
      apiVersion: doc.info?.version,
    },
    operations,
    components: { schemas: sortedSchemas },
  };
  const text = `${JSON.stringify(subset, null, 1)}\n`;
  writeFileSync(outputPath, text);
  console.log(
    `extract-openapi: wrote ${operations.length} operations and ${Object.keys(sortedSchemas).length} schemas ` +
      `(${(text.length / 1024).toFixed(0)} KiB) to ${outputPath}`,
  );
}

main();
