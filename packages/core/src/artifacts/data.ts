import { z } from 'zod';
import '../zod-setup.js';
import { envelope, FileRef, LinePointer, MaybeNumber, Severity } from './common.js';

/** Artifacts written by data-validate: schema.json, profile.json, validation.json, drift.json. */

export const ColumnType = z.enum(['int', 'float', 'string', 'bool', 'timestamp']);
export const Environment = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an upper-case name such as TRAINING or SERVING');

export const DriftTest = z.enum(['ks', 'chi2', 'z', 'wasserstein', 'jensen_shannon', 'psi', 'linf']);

/** A drift or skew check declared on a column: which test and when it counts as drifted. */
export const Comparator = z.strictObject({
  test: DriftTest.optional().describe('Test to run; omitted = automatic choice by column type and sample size'),
  threshold: z.number().nonnegative().describe('p-value below, or distance above, which the column has drifted'),
});

export const ColumnSchema = z
  .strictObject({
    name: z.string().min(1),
    type: ColumnType,
    description: z.string().optional(),
    presence: z
      .strictObject({
        min_fraction: z.number().min(0).max(1).describe('Smallest share of rows that must hold a value (1.0 = required)'),
        min_count: z.number().int().nonnegative().optional(),
      })
      .describe('How often the column must be present'),
    domain: z
      .strictObject({
        min: z.union([z.number(), z.string()]).optional().describe('Smallest allowed value (ISO string for timestamps)'),
        max: z.union([z.number(), z.string()]).optional(),
        allow_nan: z.boolean().optional().describe('float only: NaN allowed'),
        allow_inf: z.boolean().optional().describe('float only: ±Infinity allowed'),
      })
      .optional()
      .describe('int/float/timestamp range'),
    values: z.array(z.string()).optional().describe('string/bool domain: the allowed values'),
    min_domain_mass: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Share of present values that must fall inside `values` (1.0 = every value)'),
    environments: z
      .strictObject({ in: z.array(Environment).optional(), not_in: z.array(Environment).optional() })
      .optional()
      .describe('Environments the column is expected in; the label is `not_in: [SERVING]`'),
    drift_comparator: Comparator.optional().describe('Drift test against the reference data (modelgate.yml `drift.columns` takes precedence)'),
    skew_comparator: Comparator.optional().describe('Training vs. serving data'),
  })
  .describe('One column');

export const DataSchemaFile = z
  .strictObject({
    ...envelope('schema'),
    source: z.strictObject({ files: z.array(FileRef), rows: z.number().int().nonnegative() }).optional(),
    label: z.string().optional().describe('Label column name'),
    default_environments: z.array(Environment).default(['TRAINING', 'SERVING']),
    columns: z.array(ColumnSchema).superRefine((columns, ctx) => {
      // A hand-edited schema may list a column twice; which of the two would a value be checked against?
      const first = new Map<string, number>();
      columns.forEach((column, i) => {
        const at = first.get(column.name);
        if (at === undefined) first.set(column.name, i);
        else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `column '${column.name}' is listed twice (also columns[${at}])` });
      });
    }),
  })
  .describe('Expected shape of a dataset: inferred from training data, then edited by hand');

/** Mergeable sketches are stored as opaque, versioned payloads owned by packages/data. */
export const Sketch = z.looseObject({
  algorithm: z.string().describe('e.g. kll, hll, space_saving'),
  parameters: z.record(z.string(), z.number()).optional(),
});

export const ColumnProfile = z.strictObject({
  name: z.string(),
  type: ColumnType,
  count: z.number().int().nonnegative().describe('Rows with a value'),
  missing: z.number().int().nonnegative(),
  numeric: z
    .strictObject({
      min: MaybeNumber,
      max: MaybeNumber,
      mean: MaybeNumber,
      /** Sum of squared deviations (Welford/Chan M2): merges exactly, unlike a variance. */
      m2: MaybeNumber,
      variance: MaybeNumber.describe('Sample variance (ddof=1), as pandas describe()'),
      zeros: z.number().int().nonnegative(),
      nan: z.number().int().nonnegative(),
      inf: z.number().int().nonnegative(),
      quantiles: z.record(z.string(), z.number()).describe('Estimated quantiles, keyed by probability ("0.5")'),
      quantile_sketch: Sketch,
      histogram: z.strictObject({ edges: z.array(z.number()), counts: z.array(z.number().int().nonnegative()) }),
    })
    .optional(),
  categorical: z
    .strictObject({
      top: z.array(z.strictObject({ value: z.string(), count: z.number().int().nonnegative(), error: z.number().int().nonnegative() })),
      top_sketch: Sketch,
      avg_length: MaybeNumber,
    })
    .optional(),
  distinct: z.strictObject({ estimate: z.number().nonnegative(), exact: z.boolean(), sketch: Sketch }),
});

export const ProfileFile = z
  .strictObject({
    ...envelope('profile'),
    source: z.strictObject({ files: z.array(FileRef) }),
    rows: z.number().int().nonnegative(),
    columns: z.array(ColumnProfile),
  })
  .describe('Mergeable statistics of a dataset');

export const AnomalyKind = z.enum([
  'missing_column',
  'new_column',
  'type_mismatch',
  'out_of_range',
  'unexpected_string_value',
  'low_fraction_present',
  'low_domain_mass',
  'nan_value',
  'inf_value',
  'duplicate_rows',
  'unexpected_in_environment',
]);

export const Anomaly = z.strictObject({
  kind: AnomalyKind,
  column: z.string().optional(),
  severity: Severity,
  count: z.number().int().nonnegative().describe('Rows affected'),
  description: z.string(),
  samples: z
    .array(LinePointer.extend({ value: z.string().optional(), reason: z.string().optional() }))
    .describe('Up to N example rows, with their line in the file and what is wrong there'),
});

export const ValidationFile = z
  .strictObject({
    ...envelope('validation'),
    data: z.array(FileRef.extend({ rows: z.number().int().nonnegative() })),
    schema: FileRef.optional(),
    environment: Environment.optional(),
    anomalies: z.array(Anomaly),
    errors: z.number().int().nonnegative(),
    warnings: z.number().int().nonnegative(),
    passed: z.boolean().describe('No error-severity anomaly'),
  })
  .describe('Anomalies found validating data against a schema');

export const ColumnDrift = z.strictObject({
  column: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  test: DriftTest,
  statistic: MaybeNumber.describe('null when infinite (χ² with a category the reference never had: p = 0)'),
  p_value: MaybeNumber.describe('For hypothesis tests (ks, chi2, z); null for distances'),
  threshold: z.number(),
  drifted: z.boolean(),
  reference_rows: z.number().int().nonnegative(),
  current_rows: z.number().int().nonnegative(),
});

/**
 * Why a column of either file was not tested. The first two count as drifted: a feature the current
 * data lost has drifted by any reading (Evidently refuses such a column). The last two are not counted:
 * with nothing in the reference there is nothing to drift from.
 */
export const UntestedReason = z.enum(['missing_in_current', 'no_values_in_current', 'missing_in_reference', 'no_values_in_reference']);
export type UntestedReason = z.output<typeof UntestedReason>;

export const UntestedColumnDrift = z.strictObject({
  column: z.string(),
  untested: UntestedReason.describe(
    'Why no test ran: the column is not in the current data, or has no values there (no finite ones, for a numeric column); the same for the reference',
  ),
  drifted: z.boolean().describe('true when the current data lost the column (missing_in_current, no_values_in_current): counted as drifted. false otherwise: not counted in drift_share'),
  reference_rows: z.number().int().nonnegative(),
  current_rows: z.number().int().nonnegative(),
});

type DriftColumn = z.output<typeof ColumnDrift> | z.output<typeof UntestedColumnDrift>;

/** Whether a column of drift.json was tested (it has a test, a statistic and a threshold). */
export const isTestedColumn = (column: DriftColumn): column is z.output<typeof ColumnDrift> => !('untested' in column);

/** Whether a column of drift.json counts in drift_share: tested, or lost by the current data. */
export const countsTowardDrift = (column: DriftColumn): boolean => isTestedColumn(column) || column.drifted;

export const DriftFile = z
  .strictObject({
    ...envelope('drift'),
    reference: FileRef.extend({ rows: z.number().int().nonnegative() }),
    current: FileRef.extend({ rows: z.number().int().nonnegative() }),
    columns: z.array(z.union([ColumnDrift, UntestedColumnDrift])).describe('Tested columns, and columns of either file not tested (with `untested` saying why); a column the environment does not expect (the label in SERVING) that the data lacks is left out'),
    drifted_columns: z.number().int().nonnegative(),
    drift_share: z.number().min(0).max(1).describe('Drifted columns / counted columns (tested, or lost by the current data)'),
    share_threshold: z.number().min(0).max(1),
    dataset_drift: z.boolean(),
  })
  .describe('Per-column drift tests between a reference and a current dataset');
