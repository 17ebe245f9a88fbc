export * from './client.js';
export * from './sticky-comment.js';
export * from './checks.js';
export * from './permissions.js';
export * from './truncate.js';
export * from './releases.js';
export * from './release-notes.js';
export * from './api-error.js';
