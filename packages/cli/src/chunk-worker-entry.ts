// Entry of dist/chunk-worker.js: data-validate's second thread. Bundled on its own (see
// scripts/build.mjs) so the thread loads only the data package, not the whole product.
import { serveChunkTasks } from './chunk-workers.js';

serveChunkTasks();
