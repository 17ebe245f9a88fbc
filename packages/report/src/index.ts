export * from './inspect.js';
export * from './eval.js';
