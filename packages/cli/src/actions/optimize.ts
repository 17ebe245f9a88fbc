import { ConfigurationError, defineAction, formatBytes, input, writeFileAtomic } from '@modelgate/core';
import { assertValidModel, convertToFloat16, encodeModel, loadModel, quantizeDynamicInt8, stripZipMap } from '@modelgate/onnx';
import { workspacePath } from '../files.js';

/**
 * `modelgate optimize`: graph rewrites for a smaller or runtime-friendlier model. Every result
 * goes through the checker before it is written; accuracy is re-gated by evaluating the
 * rewritten model (model-eval), not assumed.
 */
export const optimize = defineAction({
  name: 'optimize',
  title: 'modelgate optimize',
  description: 'Rewrite an ONNX model: float16, int8 dynamic weight quantization, or ZipMap removal.',
  branding: { icon: 'minimize-2', color: 'blue' },
  inputs: {
    model: input.requiredString({ description: 'Path of the ONNX model to rewrite.' }),
    fp16: input.boolean({ description: 'Convert weights and compute to float16 (ai.onnx.ml and precision-sensitive ops stay float32).', default: 'false' }),
    int8: input.boolean({ description: 'Quantize MatMul/Gemm weights to int8 (dynamic quantization, QOperator style).', default: 'false' }),
    'per-channel': input.boolean({ description: 'With int8: one scale per output channel instead of per tensor.', default: 'false' }),
    'keep-io-types': input.boolean({ description: 'With fp16: keep float32 graph inputs and outputs (Casts at the boundary).', default: 'true' }),
    'strip-zipmap': input.boolean({ description: 'Replace ZipMap outputs by their probability tensor (onnxruntime-node cannot return maps).', default: 'false' }),
    out: input.requiredString({ description: 'Where to write the rewritten model.' }),
  },
  outputs: {
    bytes: 'Size of the rewritten model in bytes.',
    'bytes-before': 'Size of the input model in bytes.',
  },
  async run({ inputs, environment, logger, setOutput, summary }) {
    if (inputs.fp16 && inputs.int8) throw new ConfigurationError('choose one of --fp16 and --int8', { field: 'fp16' });
    if (!inputs.fp16 && !inputs.int8 && !inputs['strip-zipmap']) throw new ConfigurationError('nothing to do: pass --fp16, --int8 or --strip-zipmap', { field: 'fp16' });
    const source = workspacePath(environment.workspace, inputs.model);
    // In place is allowed: the model is read whole first, and the new one is written to a temp file and renamed.
    const out = workspacePath(environment.workspace, inputs.out);
    const { model: original, bytes } = await loadModel(source.absolute, source.shown);
    let model = original;
    const notes: string[] = [];
    if (inputs['strip-zipmap']) {
      const result = stripZipMap(model);
      model = result.model;
      notes.push(`ZipMap removed from ${Object.keys(result.stripped).join(', ') || 'no output (none found)'}`);
    }
    if (inputs.fp16) {
      const result = convertToFloat16(model, { keepIoTypes: inputs['keep-io-types'] });
      model = result.model;
      notes.push(`float16: ${result.converted.initializers} initializers and ${result.converted.nodes} nodes converted, ${result.blocked.length} nodes kept in float32`);
      for (const warning of result.warnings) logger.warning(warning);
    }
    if (inputs.int8) {
      const result = quantizeDynamicInt8(model, { perChannel: inputs['per-channel'] });
      model = result.model;
      notes.push(`int8: ${result.quantized.length} weights quantized${result.skipped.length ? `, ${result.skipped.length} skipped` : ''}`);
      for (const skipped of result.skipped) logger.info(`skipped ${skipped.node}: ${skipped.reason}`);
    }
    // A rewrite that breaks the graph is our bug; refuse to write it.
    assertValidModel(model, out.shown);
    const encoded = encodeModel(model);
    await writeFileAtomic(out.absolute, encoded);
    setOutput('bytes', encoded.byteLength);
    setOutput('bytes-before', bytes.byteLength);
    summary.push(`${out.shown}: ${formatBytes(bytes.byteLength)} → ${formatBytes(encoded.byteLength)} (${((encoded.byteLength / bytes.byteLength) * 100).toFixed(1)}%). ${notes.join('; ')}.`);
  },
});
