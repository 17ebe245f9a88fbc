export * from './semver.js';
export * from './compat.js';
export * from './oci.js';
export * from './layout.js';
export * from './lineage.js';
export * from './auth.js';
export * from './client.js';
