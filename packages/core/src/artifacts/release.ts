import { z } from 'zod';
import '../zod-setup.js';
import { Digest, envelope } from './common.js';

export const SemVer = z
  .string()
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'expected a semantic version such as 1.4.0');

export const ReleaseFile = z
  .strictObject({
    ...envelope('release'),
    name: z.string().min(1),
    version: SemVer,
    previous_version: SemVer.optional(),
    bump: z.enum(['initial', 'major', 'minor', 'patch', 'explicit', 'prerelease']),
    bump_reason: z.string(),
    artifact_type: z.string(),
    manifest_digest: Digest,
    files: z.array(z.strictObject({ title: z.string(), media_type: z.string(), digest: Digest, size: z.number().int().nonnegative() })),
    refs: z.array(z.strictObject({ kind: z.enum(['oci', 'dir', 'github']), ref: z.string() })),
    tag: z.string().optional().describe('Git tag of the GitHub Release'),
    aliases: z.array(z.string()).default([]),
    unchanged: z.boolean().describe('True when the same content was already released (a rerun)'),
  })
  .describe('A published model version and where it lives');
