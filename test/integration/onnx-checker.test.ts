/**
 * Models modelgate writes must pass the real onnx checker (Debian python3-onnx, installed by
 * .ci/run): a re-encoded exporter model, the ZipMap strip, fp16 and int8 rewrites, and models
 * built in code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { convertTreeModel, encodeOnnx } from '@modelgate/convert';
import { convertToFloat16, decodeModel, encodeModel, quantizeDynamicInt8, stripZipMap } from '@modelgate/onnx';
import { linearModel } from '../../packages/onnx/src/test-models.js';
import { REPO_ROOT } from '../harness/run-action.js';

const PYTHON = '/usr/bin/python3';
const fixture = (name: string) => decodeModel(readFileSync(join(REPO_ROOT, 'fixtures', 'onnx', name)), name);

it('every model modelgate writes passes onnx.checker (full check) and strict shape inference', () => {
  const probe = spawnSync(PYTHON, ['-c', 'import onnx; print(onnx.__version__)'], { encoding: 'utf8' });
  expect(probe.status, `the real onnx checker is needed: apt-get install python3-onnx (${probe.stderr})`).toBe(0);

  const mlp = fixture('mlp_fp32.onnx');
  const outputs: Record<string, Uint8Array> = {
    'reencoded_income_mlp.onnx': encodeModel(fixture('income_mlp.onnx')),
    'stripped_zipmap.onnx': encodeModel(stripZipMap(fixture('income_linear_zipmap.onnx')).model),
    'mlp_fp16.onnx': encodeModel(convertToFloat16(mlp).model),
    'mlp_fp16_io16.onnx': encodeModel(convertToFloat16(mlp, { keepIoTypes: false }).model),
    'mlp_int8.onnx': encodeModel(quantizeDynamicInt8(mlp).model),
    'mlp_int8_per_channel.onnx': encodeModel(quantizeDynamicInt8(mlp, { perChannel: true }).model),
    'linear_built_in_code.onnx': encodeModel(linearModel()),
  };
  // Every XGBoost/LightGBM fixture the converter accepts (the refused ones have no expected outputs).
  const convertDir = join(REPO_ROOT, 'fixtures', 'convert');
  for (const name of readdirSync(convertDir).filter((file) => file.endsWith('.expected.json'))) {
    const source = readdirSync(convertDir).find((file) => file.startsWith(name.replace('.expected.json', '.')) && !file.endsWith('.expected.json'))!;
    outputs[`converted_${source}.onnx`] = encodeOnnx(convertTreeModel(readFileSync(join(convertDir, source)), { file: source }).model);
  }
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-checker-'));
  const files = Object.entries(outputs).map(([name, bytes]) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  });
  const run = spawnSync(PYTHON, [join(REPO_ROOT, 'fixtures', 'oracles', 'check_onnx.py'), ...files], { encoding: 'utf8' });
  const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { file: string; ok: boolean; error: string | null });
  expect(results.filter((result) => !result.ok)).toEqual([]);
  expect(results).toHaveLength(files.length);
  expect(run.status).toBe(0);
  // The fixture's own ZipMap model is the control: the same checker sees it.
  expect(execFileSync(PYTHON, [join(REPO_ROOT, 'fixtures', 'oracles', 'check_onnx.py'), join(REPO_ROOT, 'fixtures', 'onnx', 'income_linear_zipmap.onnx')], { encoding: 'utf8' })).toContain('"ok": true');
});
