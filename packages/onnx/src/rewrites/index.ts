/** Model rewrites: float16 conversion and dynamic int8 weight quantization. */
export { convertToFloat16, DEFAULT_FP16_OP_BLOCK_LIST, type Float16Options, type Float16Result } from './fp16.js';
export { quantizeDynamicInt8, MIN_INT8_OPSET, type Int8Options, type Int8Result, type QuantizableOp } from './int8.js';
export { FLOAT16_MAX, float32ToFloat16Bits, float32BitsToFloat16Bits, tensorToFloat16 } from './half.js';
export { structuralProblems } from './graph-utils.js';
