import { z } from 'zod';
import '../zod-setup.js';

/**
 * Where published JSON Schemas live. Artifacts carry `"$schema": SCHEMA_BASE_URL + '<kind>.schema.json'`
 * so editors validate them; the files themselves are generated into `schemas/`.
 */
export const SCHEMA_BASE_URL = 'https://raw.githubusercontent.com/modelgate/modelgate/v1/schemas/';

export const ARTIFACT_VERSION = 1 as const;

export function schemaUrl(kind: string): string {
  return `${SCHEMA_BASE_URL}${kind}.schema.json`;
}

/** Fields every artifact file starts with. */
export function envelope<K extends string>(kind: K) {
  return {
    $schema: z.string().optional().describe('JSON Schema of this file, for editors'),
    kind: z.literal(kind).describe('What this file is'),
    version: z.literal(ARTIFACT_VERSION).describe('Format version; bumped only on incompatible changes'),
    generated_by: z
      .object({ tool: z.literal('modelgate'), version: z.string() })
      .optional()
      .describe('Which modelgate wrote the file'),
  };
}

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits').describe('SHA-256 of the content, hex');

export const Digest = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>')
  .describe('OCI content digest');

/** A file an artifact was computed from, with its content hash for lineage. */
export const FileRef = z.object({
  path: z.string().describe('Path as given, relative to the workspace when possible'),
  sha256: Sha256.optional(),
  bytes: z.number().int().nonnegative().optional(),
});

/** A number that may be undefined for the data (e.g. ROC-AUC of a single-class slice): JSON null. */
export const MaybeNumber = z.number().nullable();

export const Severity = z.enum(['error', 'warning']);

/** A place in an input file, 1-based like editors and annotations. */
export const LinePointer = z.object({
  file: z.string(),
  line: z.number().int().positive(),
});
