import type { z } from 'zod';
import { InputDataError } from '../errors.js';
import { schemaUrl } from './common.js';
import { DataSchemaFile, DriftFile, ProfileFile, ValidationFile } from './data.js';
import { ConvertFile, InspectFile, MetricsFile } from './model.js';
import { ReleaseFile } from './release.js';
import { formatZodPath, jsonErrorOffset, lineOfOffset } from '../locate.js';
import { jsonParts } from '../json-parts.js';

export * from './common.js';
export * from './data.js';
export * from './model.js';
export * from './release.js';

/** Every artifact kind and its schema: the contracts between actions (ARCHITECTURE.md §3). */
export const ARTIFACTS = {
  schema: DataSchemaFile,
  profile: ProfileFile,
  validation: ValidationFile,
  drift: DriftFile,
  metrics: MetricsFile,
  inspect: InspectFile,
  convert: ConvertFile,
  release: ReleaseFile,
} as const;

export type ArtifactKind = keyof typeof ARTIFACTS;
export type Artifact<K extends ArtifactKind> = z.output<(typeof ARTIFACTS)[K]>;
/** What producers hand in: the envelope fields are filled by `serializeArtifact`. */
export type ArtifactBody<K extends ArtifactKind> = Omit<z.input<(typeof ARTIFACTS)[K]>, '$schema' | 'kind' | 'version'>;
/** One column of drift.json as a producer writes it: tested, or untested with the reason. */
export type DriftColumnBody = ArtifactBody<'drift'>['columns'][number];

/** Parse and validate an artifact file's text; errors name the file and the field. */
export function parseArtifact<K extends ArtifactKind>(kind: K, text: string, file: string): Artifact<K> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const line = lineOfOffset(text, jsonErrorOffset(text));
    throw new InputDataError(`not valid JSON: ${(error as Error).message.split('\n')[0]}`, { file, line });
  }
  const declared = (json as { kind?: unknown } | null)?.kind;
  if (declared !== kind) {
    throw new InputDataError(`expected a modelgate ${kind}.json (kind: "${kind}"), found kind ${JSON.stringify(declared ?? null)}`, { file });
  }
  const result = ARTIFACTS[kind].safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InputDataError(`${formatZodPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`, { file });
  }
  return result.data as Artifact<K>;
}

/** Whether `head` (a file's first bytes) starts an artifact of `kind` as serializeArtifact writes it. */
export function startsAsArtifact(head: string, kind: ArtifactKind): boolean {
  // The envelope's first two fields, as serializeArtifact's JSON.stringify lays them out.
  return head.startsWith(`${JSON.stringify({ $schema: schemaUrl(kind), kind }, null, 2).slice(0, -2)},`);
}

/**
 * Fill the envelope, validate (a producer bug must not write an invalid contract) and render
 * stable, diff-friendly JSON.
 */
export function serializeArtifact<K extends ArtifactKind>(kind: K, body: ArtifactBody<K>, toolVersion: string): string {
  return `${JSON.stringify(validArtifact(kind, body, toolVersion), null, 2)}\n`;
}

/**
 * `serializeArtifact`'s text in parts (validated now, rendered as the parts are taken, again on
 * each pass): for writing artifacts too large for one string (see jsonParts).
 */
export function serializeArtifactParts<K extends ArtifactKind>(kind: K, body: ArtifactBody<K>, toolVersion: string): Iterable<string> {
  const artifact = validArtifact(kind, body, toolVersion);
  return {
    *[Symbol.iterator]() {
      yield* jsonParts(artifact);
      yield '\n';
    },
  };
}

function validArtifact<K extends ArtifactKind>(kind: K, body: ArtifactBody<K>, toolVersion: string): Artifact<K> {
  const value = { $schema: schemaUrl(kind), kind, version: 1, generated_by: { tool: 'modelgate', version: toolVersion }, ...body };
  const result = ARTIFACTS[kind].safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`refusing to write an invalid ${kind}.json: ${formatZodPath(issue?.path ?? [])}: ${issue?.message}`);
  }
  return result.data as Artifact<K>;
}
