/**
 * How table columns become model inputs. Two conventions cover nearly every tabular model:
 *   - one `[N, F]` float tensor (torch/XGBoost/LightGBM exports): columns in an explicit order
 *     (config `inputs`), else the model's `feature_names` metadata, else the file's non-label
 *     columns when their count is F;
 *   - one `[N, 1]` input per column (skl2onnx): input name = column name (or config mapping),
 *     typed float/double/int64/string as the model declares.
 * Pure: produces typed arrays; the session wrapper wraps them as onnxruntime tensors.
 */
import { ConfigurationError, InputDataError, shownValue } from '@modelgate/core';
import { decimalValue, NumbersByCode, type Cell, type CellDictionary, type ColumnCodes, type TableBatch } from '@modelgate/data';

export type FeedType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'string';

export interface ModelInput {
  name: string;
  /** dtype name as packages/onnx reports it (float32, int64, string, …). */
  dtype: string;
  shape: (number | string | null)[] | null;
}

export type InputPlan =
  | { kind: 'matrix'; input: string; type: FeedType; columns: string[] }
  | { kind: 'columns'; inputs: { input: string; column: string; type: FeedType; rank: 1 | 2 }[] };

export interface PlanOptions {
  /** Model input → column (per-column models) or columns (matrix models), from modelgate.yml `inputs`. */
  mapping?: Record<string, string | string[]>;
  /** Comma-separated feature order from model metadata (`feature_names`). */
  featureNames?: string[];
  label: string;
  file: string;
}

const SUPPORTED: Record<string, FeedType> = { float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool', string: 'string' };

function feedType(input: ModelInput): FeedType {
  const type = SUPPORTED[input.dtype];
  if (!type) throw new ConfigurationError(`model input '${input.name}' has type ${input.dtype}; modelgate feeds float32, float64, int64, int32, bool and string tensors`, { field: 'inputs' });
  return type;
}

/** Decide which columns feed which inputs; every mismatch is a one-line error naming both sides. */
export function planInputs(inputs: readonly ModelInput[], columns: readonly string[], options: PlanOptions): InputPlan {
  const available = new Set(columns);
  const need = (column: string, input: string): string => {
    if (!available.has(column)) {
      throw new ConfigurationError(`model input '${input}' needs column '${column}', which ${options.file} does not have (columns: ${columns.join(', ')})`, { field: 'inputs' });
    }
    return column;
  };
  const only = inputs[0];
  const width = only?.shape?.length === 2 ? only.shape[1] : undefined;
  const isMatrix = inputs.length === 1 && only !== undefined && only.shape?.length === 2 && width !== 1 && feedType(only) !== 'string';
  if (isMatrix) {
    const mapped = options.mapping?.[only.name];
    let chosen: string[];
    if (mapped !== undefined) chosen = (Array.isArray(mapped) ? mapped : [mapped]).map((column) => need(column, only.name));
    else if (options.featureNames?.length) chosen = options.featureNames.map((column) => need(column, only.name));
    else {
      chosen = columns.filter((column) => column !== options.label);
      if (typeof width === 'number' && chosen.length !== width) {
        throw new ConfigurationError(
          `model input '${only.name}' takes ${width} features but ${options.file} has ${chosen.length} non-label columns; list them in order under inputs: { ${only.name}: [...] } in modelgate.yml (the model has no feature_names metadata)`,
          { field: 'inputs' },
        );
      }
    }
    if (typeof width === 'number' && chosen.length !== width) {
      throw new ConfigurationError(`model input '${only.name}' takes ${width} features, but ${chosen.length} columns are mapped to it`, { field: 'inputs' });
    }
    return { kind: 'matrix', input: only.name, type: feedType(only), columns: chosen };
  }
  return {
    kind: 'columns',
    inputs: inputs.map((input) => {
      const mapped = options.mapping?.[input.name];
      if (Array.isArray(mapped)) throw new ConfigurationError(`model input '${input.name}' takes one column, but a list is mapped to it`, { field: 'inputs' });
      return { input: input.name, column: need(mapped ?? input.name, input.name), type: feedType(input), rank: input.shape?.length === 1 ? 1 : 2 };
    }),
  };
}

export type FeedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | string[];
export interface FeedTensor {
  name: string;
  type: FeedType;
  data: FeedData;
  dims: number[];
}

/** Tensors for one batch. Bad cells are InputDataErrors at `file:line` naming the column. */
export function batchToFeeds(plan: InputPlan, batch: TableBatch, file: string): FeedTensor[] {
  const index = new Map(batch.columns.map((name, i) => [name, i]));
  const column = (name: string): Cell[] => batch.data[index.get(name)!]!;
  const codesOf = (name: string): ColumnCodes | undefined => batch.codes?.[index.get(name)!];
  const rows = batch.rowCount;
  if (plan.kind === 'matrix') {
    const width = plan.columns.length;
    const data = allocate(plan.type, rows * width) as Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
    plan.columns.forEach((name, j) => writeColumn(data, j, width, column(name), codesOf(name), plan.type, name, batch, file));
    return [{ name: plan.input, type: plan.type, data, dims: [rows, width] }];
  }
  return plan.inputs.map(({ input, column: name, type, rank }) => {
    const cells = column(name);
    const dims = rank === 1 ? [rows] : [rows, 1];
    if (type === 'string') return { name: input, type, data: cells.map((cell) => (cell === null ? '' : String(cell))), dims };
    const data = allocate(type, rows) as Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
    writeColumn(data, 0, 1, cells, codesOf(name), type, name, batch, file);
    return { name: input, type, data, dims };
  });
}

/** Per column dictionary (CSV; Parquet's dictionaries and string columns): each code's float value, parsed once. */
const parsedCodes = new WeakMap<CellDictionary, NumbersByCode>();

/**
 * Writes one column's cells to `data[i * width + j]`. Float inputs from coded cells parse each
 * distinct value once, by its code (see ColumnCodes): the first row holding a bad value still fails first.
 */
function writeColumn(data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array, j: number, width: number, cells: Cell[], coded: ColumnCodes | undefined, type: FeedType, name: string, batch: TableBatch, file: string): void {
  const rows = batch.rowCount;
  if (coded === undefined || (type !== 'float32' && type !== 'float64')) {
    for (let i = 0; i < rows; i += 1) write(data, i * width + j, cells[i]!, type, name, batch.lines[i]!, file);
    return;
  }
  const { codes, dictionary } = coded;
  let cache = parsedCodes.get(dictionary);
  if (cache === undefined) parsedCodes.set(dictionary, (cache = new NumbersByCode()));
  const { values, known } = cache.use(dictionary);
  const target = data as Float32Array | Float64Array;
  for (let i = 0; i < rows; i += 1) {
    const code = codes[i]!;
    if (code < 0) {
      target[i * width + j] = toFloat(cells[i]!, name, batch.lines[i]!, file, type);
      continue;
    }
    if (known[code] === 0) {
      values[code] = toFloat(cells[i]!, name, batch.lines[i]!, file, type);
      known[code] = 1;
    }
    target[i * width + j] = values[code]!;
  }
}

function allocate(type: FeedType, length: number): FeedData {
  switch (type) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'bool':
      return new Uint8Array(length);
    case 'string':
      return new Array<string>(length);
  }
}

/** Cell → number: missing is NaN for floats (trees route it), an error for integer inputs. */
function write(target: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array, at: number, cell: Cell, type: FeedType, column: string, line: number, file: string): void {
  if (type === 'float32' || type === 'float64') {
    (target as Float32Array)[at] = toFloat(cell, column, line, file, type);
    return;
  }
  if (cell === null || cell === '') throw new InputDataError(`column '${column}' is missing a value, but the model's input is ${type} (integers have no missing value)`, { file, line, field: column });
  if (type === 'bool') {
    const value = cell === true || cell === 'true' || cell === 'True' || cell === '1' || cell === 1 ? 1 : cell === false || cell === 'false' || cell === 'False' || cell === '0' || cell === 0 ? 0 : -1;
    if (value < 0) throw new InputDataError(`column '${column}': '${shownValue(cell)}' is not a boolean`, { file, line, field: column });
    target[at] = value;
    return;
  }
  const number = typeof cell === 'bigint' ? cell : toFloat(cell, column, line, file, type);
  if (typeof number === 'number' && (!Number.isInteger(number) || Number.isNaN(number))) {
    throw new InputDataError(`column '${column}': '${shownValue(cell)}' is not an integer, but the model's input is ${type}`, { file, line, field: column });
  }
  if (type === 'int64') (target as BigInt64Array)[at] = BigInt(number);
  else (target as Int32Array)[at] = Number(number);
}

function toFloat(cell: Cell, column: string, line: number, file: string, type: FeedType): number {
  if (cell === null) return Number.NaN;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  if (typeof cell === 'bigint') return Number(cell);
  let value: number | undefined;
  if (typeof cell === 'number') value = cell;
  else {
    const trimmed = cell.trim();
    if (trimmed === '') return Number.NaN;
    value = decimalValue(trimmed);
    if (value === undefined) throw new InputDataError(`column '${column}': '${shownValue(cell)}' is not a number`, { file, line, field: column });
  }
  // Text or JSON that overflows (1e400: JSON.parse gives Infinity), a Parquet ±Infinity, or text
  // spelling infinity would reach the model as ±Infinity, and come back as NaN scores.
  if (value === Infinity || value === -Infinity) {
    const why = typeof cell === 'number' ? ' (a number beyond the largest double, such as 1e400, reads as Infinity)' : '';
    throw new InputDataError(`column '${column}': '${shownValue(cell)}' is not a finite number${why}`, { file, line, field: column });
  }
  if (type === 'float32' && Math.abs(value) > FLOAT32_MAX && !Number.isFinite(Math.fround(value))) {
    throw new InputDataError(`column '${column}': '${shownValue(cell)}' is too large for the model's float32 input`, { file, line, field: column });
  }
  return value;
}

const FLOAT32_MAX = 3.4028234663852886e38;

// Numbers are read as data-validate reads them (decimal only): re-exported for the CLI's parity data.
export { decimalValue };
