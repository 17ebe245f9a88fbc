export * from './proto/types.js';
export { createModel, createTensor, createMessage, decodeModelProto, encodeModelProto } from './proto/codec.js';
export * from './dtypes.js';
export * from './model-io.js';
export * from './tensor.js';
