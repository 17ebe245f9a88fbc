export * from './inspect.js';
export * from './eval.js';
export * from './data.js';
