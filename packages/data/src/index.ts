export * from './table.js';
export * from './synthetic/income.js';
export * from './readers/index.js';
export * from './schema/validate.js';
export * from './drift/index.js';
export * from './profile/index.js';
export * from './schema/infer.js';
export * from './validate-data.js';
export { DEFAULT_CHUNK_BYTES, type ChunkRunner, type ChunkState, type ChunkTask } from './validate-chunks.js';
