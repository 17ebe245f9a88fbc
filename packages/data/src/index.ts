export * from './synthetic/income.js';
