export * from './inspect.js';
export * from './eval.js';
export * from './data.js';
export * from './diff.js';
export * from './card.js';
export * from './card-json.js';
export * from './charts.js';
export * from './intervals.js';
