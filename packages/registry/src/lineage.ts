/**
 * Lineage of a model release as an OpenLineage RunEvent (spec 2-0-2): one COMPLETE event whose
 * inputs are the data files (with their sha256) and whose output is the model (sha256, manifest
 * digest, parent version). Pure: the caller supplies every fact, including eventTime, so the
 * same inputs give the same event, and the runId is a UUIDv5 of the inputs (a rerun of the same
 * commit on the same data is the same run).
 *
 * Standard facets used: job `sourceCodeLocation` (git commit), dataset `version`, dataset `schema`.
 * Custom facets (prefixed `modelgate_`, each with `_producer`/`_schemaURL` as the spec requires):
 * dataset `modelgate_sha256`, output `modelgate_release`, run `modelgate_ci`.
 */
import { createHash } from 'node:crypto';
import { ConfigurationError, SCHEMA_BASE_URL, sha256Hex } from '@modelgate/core';
import { canonicalJson } from './oci.js';

export const PRODUCER = 'https://github.com/modelgate/modelgate';
export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const FACETS = 'https://openlineage.io/spec/facets';
const CUSTOM = `${SCHEMA_BASE_URL}lineage.schema.json#/$defs`;

/** Fixed namespace for modelgate's UUIDv5 run ids. */
export const RUN_ID_NAMESPACE = '6f1c1a52-3d0e-5b8f-9a57-2c4e8d1b7a10';

export interface LineageDataset {
  /** Dataset name: the path as given, relative to the workspace. */
  name: string;
  sha256: string;
  bytes?: number | undefined;
}

export interface LineageInput {
  eventTime: string;
  job: { namespace: string; name: string };
  /** Git repository URL and commit. */
  git: { commit: string; repoUrl?: string | undefined; branch?: string | undefined };
  /** URL of the CI run (GitHub Actions workflow run). */
  workflowRunUrl?: string | undefined;
  /** Dataset namespace of the data files (default: the repository URL, else `file`). */
  dataNamespace?: string | undefined;
  data: readonly LineageDataset[];
  /** sha256 of schema.json's canonical JSON (see schemaDigest), and its columns for the schema facet. */
  schema?: { digest: string; columns?: ReadonlyArray<{ name: string; type: string; description?: string | undefined }> | undefined } | undefined;
  model: {
    /** Where the model is published, e.g. `oci://ghcr.io/acme/income` or `dir:releases`. */
    namespace: string;
    name: string;
    version: string;
    /** sha256 of the model file. */
    sha256: string;
    /** OCI manifest digest of the release. */
    manifestDigest?: string | undefined;
    parent?: { version: string; manifestDigest?: string | undefined } | undefined;
  };
}

export interface Facet {
  _producer: string;
  _schemaURL: string;
  [key: string]: unknown;
}

export interface RunEvent {
  eventType: 'COMPLETE';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, Facet> };
  job: { namespace: string; name: string; facets: Record<string, Facet> };
  inputs: Array<{ namespace: string; name: string; facets: Record<string, Facet> }>;
  outputs: Array<{ namespace: string; name: string; facets: Record<string, Facet> }>;
}

const HEX64 = /^[0-9a-f]{64}$/;

function hex(value: string, field: string): string {
  const bare = value.startsWith('sha256:') ? value.slice(7) : value;
  if (!HEX64.test(bare)) throw new ConfigurationError(`lineage: ${field} '${value}' is not a sha256 (64 hex digits)`);
  return bare;
}

/** RFC 9562 UUIDv5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace = RUN_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`uuidV5: bad namespace ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Digest of a schema.json independent of formatting and key order: sha256 of its canonical JSON. */
export function schemaDigest(schema: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(schema))}`;
}

const facet = (schemaURL: string, body: Record<string, unknown>): Facet => ({ _producer: PRODUCER, _schemaURL: schemaURL, ...body });

export function lineageEvent(input: LineageInput): RunEvent {
  if (Number.isNaN(Date.parse(input.eventTime))) throw new ConfigurationError(`lineage: eventTime '${input.eventTime}' is not an RFC 3339 time`);
  const modelSha = hex(input.model.sha256, 'model sha256');
  const data = [...input.data]
    .map((file) => ({ ...file, sha256: hex(file.sha256, `sha256 of ${file.name}`) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const schema = input.schema ? { ...input.schema, digest: `sha256:${hex(input.schema.digest, 'schema digest')}` } : undefined;

  const runId = uuidV5(
    canonicalJson({
      job: input.job,
      commit: input.git.commit,
      model: { version: input.model.version, sha256: modelSha, manifestDigest: input.model.manifestDigest },
      data: data.map((file) => [file.name, file.sha256]),
      schema: schema?.digest,
    }),
  );

  const dataNamespace = input.dataNamespace ?? input.git.repoUrl ?? 'file';
  const inputs = data.map((file) => {
    const facets: Record<string, Facet> = {
      version: facet(`${FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet`, { datasetVersion: `sha256:${file.sha256}` }),
      modelgate_sha256: facet(`${CUSTOM}/Sha256DatasetFacet`, { sha256: file.sha256, ...(file.bytes !== undefined ? { bytes: file.bytes } : {}) }),
    };
    if (schema?.columns) {
      facets.schema = facet(`${FACETS}/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet`, {
        fields: schema.columns.map((column) => ({ name: column.name, type: column.type, ...(column.description ? { description: column.description } : {}) })),
      });
    }
    return { namespace: dataNamespace, name: file.name, facets };
  });

  const parent = input.model.parent;
  const release: Record<string, unknown> = { version: input.model.version, sha256: modelSha };
  if (input.model.manifestDigest) release.manifestDigest = input.model.manifestDigest;
  if (schema) release.schemaDigest = schema.digest;
  if (parent) {
    release.parentVersion = parent.version;
    if (parent.manifestDigest) release.parentManifestDigest = parent.manifestDigest;
  }
  const ci: Record<string, unknown> = { gitCommit: input.git.commit };
  if (input.workflowRunUrl) ci.workflowRunUrl = input.workflowRunUrl;

  const sourceCode: Record<string, unknown> = { type: 'git', url: input.git.repoUrl ?? '', version: input.git.commit };
  if (input.git.repoUrl) sourceCode.repoUrl = input.git.repoUrl;
  if (input.git.branch) sourceCode.branch = input.git.branch;

  return {
    eventType: 'COMPLETE',
    eventTime: input.eventTime,
    producer: PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: { runId, facets: { modelgate_ci: facet(`${CUSTOM}/CiRunFacet`, ci) } },
    job: {
      namespace: input.job.namespace,
      name: input.job.name,
      facets: { sourceCodeLocation: facet(`${FACETS}/1-0-1/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet`, sourceCode) },
    },
    inputs,
    outputs: [
      {
        namespace: input.model.namespace,
        name: input.model.name,
        facets: {
          version: facet(`${FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet`, { datasetVersion: input.model.version }),
          modelgate_sha256: facet(`${CUSTOM}/Sha256DatasetFacet`, { sha256: modelSha }),
          modelgate_release: facet(`${CUSTOM}/ReleaseDatasetFacet`, release),
        },
      },
    ],
  };
}
