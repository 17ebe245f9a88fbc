import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, formatUserError, InputDataError } from '@modelgate/core';
import { openTable, type TableBatch } from '@modelgate/data';
import { batchToFeeds, planInputs, type ModelInput } from './feed.js';
import { decodeBatch, firstNonProbabilityRow, planOutputs } from './outputs.js';

const columns = ['age', 'workclass', 'hours', 'income'];
const batch = (rows: (string | null)[][]): TableBatch => ({
  columns,
  data: columns.map((_, c) => rows.map((row) => row[c]!)),
  rowCount: rows.length,
  offset: 0,
  lines: Int32Array.from(rows, (_, i) => i + 2),
});
const matrixInput: ModelInput[] = [{ name: 'input', dtype: 'float32', shape: ['N', 2] }];

describe('planInputs', () => {
  it('feeds a [N, F] float input from feature_names metadata, else the non-label columns', () => {
    expect(planInputs(matrixInput, columns, { label: 'income', file: 'd.csv', featureNames: ['hours', 'age'] })).toEqual({ kind: 'matrix', input: 'input', type: 'float32', columns: ['hours', 'age'] });
    expect(() => planInputs(matrixInput, columns, { label: 'income', file: 'd.csv' })).toThrow(
      "model input 'input' takes 2 features but d.csv has 3 non-label columns; list them in order under inputs: { input: [...] } in modelgate.yml (the model has no feature_names metadata)",
    );
    expect(planInputs(matrixInput, columns, { label: 'income', file: 'd.csv', mapping: { input: ['age', 'hours'] } })).toMatchObject({ columns: ['age', 'hours'] });
  });

  it('feeds one input per column (skl2onnx) by name or mapping, typed as the model declares', () => {
    const inputs: ModelInput[] = [
      { name: 'age', dtype: 'int64', shape: ['N', 1] },
      { name: 'work', dtype: 'string', shape: ['N', 1] },
    ];
    expect(planInputs(inputs, columns, { label: 'income', file: 'd.csv', mapping: { work: 'workclass' } })).toEqual({
      kind: 'columns',
      inputs: [
        { input: 'age', column: 'age', type: 'int64', rank: 2 },
        { input: 'work', column: 'workclass', type: 'string', rank: 2 },
      ],
    });
    expect(() => planInputs(inputs, columns, { label: 'income', file: 'd.csv' })).toThrow(ConfigurationError);
    expect(() => planInputs(inputs, columns, { label: 'income', file: 'd.csv' })).toThrow(
      "model input 'work' needs column 'work', which d.csv does not have (columns: age, workclass, hours, income)",
    );
  });
});

describe('batchToFeeds', () => {
  it('converts cells: floats with NaN for missing, strings as given', () => {
    const plan = planInputs(matrixInput, columns, { label: 'income', file: 'd.csv', featureNames: ['age', 'hours'] });
    const [feed] = batchToFeeds(plan, batch([['39', 'Private', '40', '<=50K'], ['50', null, '', '>50K']]), 'd.csv');
    expect(feed!.dims).toEqual([2, 2]);
    expect(Array.from(feed!.data as Float32Array)).toEqual([39, 40, 50, Number.NaN]);
  });

  it('rejects a non-number at its line, and a missing or fractional value for an integer input', () => {
    const plan = planInputs(matrixInput, columns, { label: 'income', file: 'd.csv', featureNames: ['age', 'hours'] });
    const bad = () => batchToFeeds(plan, batch([['39', 'Private', '40', 'x'], ['50', 'Private', 'forty', 'y']]), 'd.csv');
    expect(bad).toThrow(InputDataError);
    expect(bad).toThrow("column 'hours': 'forty' is not a number");
    // A long value is quoted by its first 120 characters and its length.
    const long = `forty${'-'.repeat(200_000)}`;
    expect(() => batchToFeeds(plan, batch([['39', 'Private', long, 'x']]), 'd.csv')).toThrow(`column 'hours': '${`forty${'-'.repeat(115)}`}… (200005 characters)' is not a number`);
    try {
      bad();
    } catch (error) {
      expect((error as InputDataError).location).toEqual({ file: 'd.csv', line: 3, field: 'hours' });
    }
    const ints = planInputs([{ name: 'age', dtype: 'int64', shape: ['N', 1] }], columns, { label: 'income', file: 'd.csv' });
    expect(() => batchToFeeds(ints, batch([['', 'a', '1', 'x']]), 'd.csv')).toThrow("column 'age' is missing a value, but the model's input is int64 (integers have no missing value)");
    expect(() => batchToFeeds(ints, batch([[`4.5${'0'.repeat(200)}1`, 'a', '1', 'x']]), 'd.csv')).toThrow(`column 'age': '${`4.5${'0'.repeat(117)}`}… (204 characters)' is not an integer, but the model's input is int64`);
    expect(() => batchToFeeds(ints, batch([['3.5', 'a', '1', 'x']]), 'd.csv')).toThrow("column 'age': '3.5' is not an integer, but the model's input is int64");
    expect(Array.from(batchToFeeds(ints, batch([['7', 'a', '1', 'x']]), 'd.csv')[0]!.data as BigInt64Array)).toEqual([7n]);
  });

  it('reads decimal numbers only (no hex, binary or Infinity), and refuses a value that overflows', () => {
    const plan = planInputs(matrixInput, columns, { label: 'income', file: 'd.csv', featureNames: ['age', 'hours'] });
    const hours = (value: string) => () => batchToFeeds(plan, batch([['39', 'w', '40', 'x'], ['50', 'w', value, 'y']]), 'd.csv');
    const failure = (value: string) => {
      try {
        hours(value)();
        return 'no error';
      } catch (error) {
        return formatUserError(error as InputDataError);
      }
    };
    for (const value of ['0x10', '0b1', '0o7', '1_000', '1e']) expect(failure(value)).toBe(`d.csv:3: column 'hours': '${value}' is not a number`);
    for (const value of ['1e400', '-1e400', 'inf', 'Infinity', '-Infinity']) expect(failure(value)).toBe(`d.csv:3: column 'hours': '${value}' is not a finite number`);
    // Finite as a double, infinite as the model's float32.
    expect(failure('1e39')).toBe("d.csv:3: column 'hours': '1e39' is too large for the model's float32 input");
    expect(Array.from(hours(' -1.5e2 ')()[0]!.data as Float32Array)).toEqual([39, 40, 50, -150]);
    expect(Array.from(hours('NaN')()[0]!.data as Float32Array)).toEqual([39, 40, 50, Number.NaN]);
    expect(Array.from(hours('.5')()[0]!.data as Float32Array)).toEqual([39, 40, 50, 0.5]);
    // Numbers (JSONL, where JSON.parse reads 1e400 as Infinity; Parquet doubles) are checked alike.
    const number = (value: number) => {
      try {
        batchToFeeds(plan, batch([['39', 'w', '40', 'x'], ['50', 'w', value as never, 'y']]), 'd.jsonl');
        return 'no error';
      } catch (error) {
        return formatUserError(error as InputDataError);
      }
    };
    for (const value of [Infinity, -Infinity]) {
      expect(number(value)).toBe(`d.jsonl:3: column 'hours': '${value}' is not a finite number (a number beyond the largest double, such as 1e400, reads as Infinity)`);
    }
    expect(number(1e39)).toBe("d.jsonl:3: column 'hours': '1e+39' is too large for the model's float32 input");
    expect(number(-2.5)).toBe('no error');
    const doubles = planInputs([{ name: 'hours', dtype: 'float64', shape: ['N', 1] }], columns, { label: 'income', file: 'd.csv' });
    expect(Array.from(batchToFeeds(doubles, batch([['39', 'w', '1e39', 'x']]), 'd.csv')[0]!.data as Float64Array)).toEqual([1e39]);
  });

  it("feeds CSV batches by their cells' codes exactly as by the cells, and fails at the same line", async () => {
    // Values repeat (so most cells have codes); blanks, NaN spellings, spaces; a bad value first at line 700.
    const values = ['39', ' 40 ', '', 'nan', '1e3', '-0.5', '17', '90'];
    const lines = Array.from({ length: 20_000 }, (_, i) => `${values[i % values.length]},w,${values[(i * 3) % values.length]},${i === 698 || i === 5000 ? 'x' : values[i % 3]}`);
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-feed-'));
    try {
      const file = join(dir, 'd.csv');
      writeFileSync(file, `age,workclass,hours,score\n${lines.join('\n')}\n`);
      const feedsOf = async (plan: ReturnType<typeof planInputs>, withCodes: boolean) => {
        const out: number[] = [];
        let coded = 0;
        for await (const read of (await openTable(file, { batchRows: 4096 })).batches()) {
          const { codes, ...plain } = read;
          coded += codes?.reduce((sum, column) => sum + column!.codes.filter((code) => code >= 0).length, 0) ?? 0;
          for (const feed of batchToFeeds(plan, withCodes ? read : plain, 'd.csv')) out.push(...(feed.data as Float32Array | Float64Array));
        }
        return { out, coded };
      };
      const matrix = planInputs([{ name: 'input', dtype: 'float32', shape: ['N', 2] }], ['age', 'workclass', 'hours', 'score'], { label: 'score', file: 'd.csv', featureNames: ['age', 'hours'] });
      const doubles = planInputs([{ name: 'age', dtype: 'float64', shape: ['N', 1] }, { name: 'hours', dtype: 'float64', shape: ['N', 1] }], ['age', 'workclass', 'hours', 'score'], { label: 'score', file: 'd.csv' });
      // Row by row [age, hours] for the matrix; column by column for one input per column.
      for (const [plan, first] of [
        [matrix, [39, 39, 40, Number.NaN]],
        [doubles, [39, 40, Number.NaN, Number.NaN]],
      ] as const) {
        const coded = await feedsOf(plan, true);
        const plain = await feedsOf(plan, false);
        expect(coded.coded).toBeGreaterThan(50_000);
        expect(coded.out.slice(0, 4)).toEqual(first);
        expect(coded.out).toEqual(plain.out);
      }
      const score = planInputs([{ name: 'score', dtype: 'float32', shape: ['N', 1] }], ['age', 'workclass', 'hours', 'score'], { label: 'age', file: 'd.csv' });
      const failure = async (withCodes: boolean) => feedsOf(score, withCodes).then(() => 'no error', (error: unknown) => formatUserError(error as InputDataError));
      expect(await failure(true)).toBe("d.csv:700: column 'score': 'x' is not a number");
      expect(await failure(false)).toBe(await failure(true));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('outputs', () => {
  it('recognises label + probabilities and maps integer labels through class metadata', () => {
    const plan = planOutputs(
      [
        { name: 'label', dtype: 'int64', shape: ['N'] },
        { name: 'probabilities', dtype: 'float32', shape: ['N', 2] },
      ],
      { class_labels: '<=50K,>50K' },
    );
    expect(plan).toEqual({ task: 'classification', label: 'label', probabilities: 'probabilities', classes: ['<=50K', '>50K'] });
    const decoded = decodeBatch(plan, { label: { data: BigInt64Array.from([1n, 0n]), dims: [2] }, probabilities: { data: Float32Array.from([0.2, 0.8, 0.9, 0.1]), dims: [2, 2] } }, 2);
    expect(decoded.labels).toEqual(['>50K', '<=50K']);
    expect(decoded.classCount).toBe(2);
  });

  it('takes the argmax (first on ties) when there is no label output, and regression values', () => {
    const plan = planOutputs([{ name: 'probabilities', dtype: 'float32', shape: ['N', 3] }], {}, ['a', 'b', 'c']);
    expect(decodeBatch(plan, { probabilities: { data: Float32Array.from([0.1, 0.45, 0.45, 0.7, 0.2, 0.1]), dims: [2, 3] } }, 2).labels).toEqual(['b', 'a']);
    const regression = planOutputs([{ name: 'variable', dtype: 'float32', shape: ['N', 1] }], {});
    expect(regression).toEqual({ task: 'regression', value: 'variable' });
    expect(Array.from(decodeBatch(regression, { variable: { data: Float32Array.from([1.5, 2.5]), dims: [2, 1] } }, 2).values!)).toEqual([1.5, 2.5]);
  });

  it("a model's only [N, C ≥ 2] float output is its class columns, whatever its name; checked for being probabilities", () => {
    for (const name of ['y', 'output', 'logits']) {
      expect(planOutputs([{ name, dtype: 'float32', shape: ['N', 10] }], {})).toEqual({ task: 'classification', probabilities: name, columns: 'unchecked' });
    }
    expect(planOutputs([{ name: 'y', dtype: 'float32', shape: ['N', 1] }], {})).toEqual({ task: 'regression', value: 'y' });
    expect(() => planOutputs([{ name: 'y', dtype: 'float32', shape: ['N', 'C'] }], {})).toThrow(/cannot tell what the model predicts/);
    expect(() => planOutputs([{ name: 'a', dtype: 'float32', shape: ['N', 3] }, { name: 'b', dtype: 'float32', shape: ['N', 3] }], {})).toThrow(/cannot tell what the model predicts/);
    expect(firstNonProbabilityRow(Float32Array.from([0.2, 0.8, 0.1, 0.9]), 2)).toBeUndefined();
    expect(firstNonProbabilityRow(Float32Array.from([0.2, 0.8, 0.3, 0.9]), 2)).toEqual({ row: 1, sum: Math.fround(0.3) + Math.fround(0.9) });
    expect(firstNonProbabilityRow(Float32Array.from([-1, 2]), 2)?.row).toBe(0);
  });

  it('outputs: in modelgate.yml names the outputs and is checked against the model', () => {
    const outputs = [{ name: 'out', dtype: 'float32', shape: ['N', 3] }, { name: 'idx', dtype: 'int64', shape: ['N'] }];
    expect(planOutputs(outputs, {}, undefined, { scores: 'out', label: 'idx' })).toEqual({ task: 'classification', label: 'idx', probabilities: 'out', columns: 'scores' });
    expect(planOutputs(outputs, {}, undefined, { probabilities: 'out' })).toEqual({ task: 'classification', probabilities: 'out' });
    expect(() => planOutputs(outputs, {}, undefined, { label: 'out' })).toThrow("outputs.label in modelgate.yml names 'out: float32[N, 3]', expected an int64, int32 or string tensor");
    expect(() => planOutputs(outputs, {}, undefined, { value: 'nope' })).toThrow("outputs.value in modelgate.yml names 'nope', which the model does not have (outputs: out: float32[N, 3]; idx: int64[N])");
  });

  it('says what it expected when the outputs make no sense', () => {
    expect(() => planOutputs([{ name: 'embedding', dtype: 'float32', shape: ['N', 128, 4] }], {})).toThrow(
      'cannot tell what the model predicts from its outputs (embedding: float32[N, 128, 4]); expected a label tensor, an [N, C] probability tensor, or an [N] value (name them under outputs: in modelgate.yml)',
    );
  });
});
