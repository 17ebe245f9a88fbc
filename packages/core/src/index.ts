export * from './errors.js';
export * from './logger.js';
export * from './inputs.js';
export * from './run.js';
export * from './units.js';
export * from './markdown.js';
export * from './config.js';
export * from './artifacts/index.js';
export { formatZodPath } from './locate.js';
