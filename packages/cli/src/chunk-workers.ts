/**
 * The second thread of data-validate: a worker that scans CSV and JSONL chunks (see validate-chunks.ts in
 * @modelgate/data). The bundle ships its entry as `dist/chunk-worker.js`; run from sources (tests
 * of the TypeScript), there is none and validation reads every chunk on the main thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
// The subpath keeps the worker bundle to the CSV and JSONL readers, profiles, validation and sampling.
import { chunkScanner, type ChunkRunner, type ChunkState, type ChunkTask } from '@modelgate/data/chunks';

const WORKER_FILE = 'chunk-worker.js';

type Reply = { id: number; state: ChunkState } | { id: number; error: string; name: string };

/** A factory for data-validate's `chunkRunner`, when the worker entry sits beside this bundle. */
export function bundledChunkRunner(): (() => ChunkRunner) | undefined {
  const script = new URL(WORKER_FILE, import.meta.url);
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return undefined;
  return () => startChunkWorker(script);
}

/** Starts a worker running `script` (which calls `serveChunkTasks`); tasks run one at a time, in order. */
export function startChunkWorker(script: URL | string): ChunkRunner {
  // Its young generation capped at 16 MB (V8's default grows to about 48): JSONL makes garbage
  // fast, and two threads reading the 1M-row benchmark's JSONL peaked at 265-291 MB of RSS, against
  // 233-244 MB capped, in no measurably longer time (8 paired runs of JSONL, 10 of CSV).
  const worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 16 } });
  const pending = new Map<number, { resolve: (state: ChunkState) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if ('state' in reply) waiting?.resolve(reply.state);
    else waiting?.reject(Object.assign(new Error(reply.error), { name: reply.name }));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`chunk worker exited (code ${code})`)));
  return {
    get failed() {
      return failure !== undefined;
    },
    run(task: ChunkTask): Promise<ChunkState> {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<ChunkState>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, task });
      });
    },
    close(): void {
      failAll(new Error('chunk worker closed'));
      void worker.terminate();
    },
  };
}

/** The worker's side: answers each task with the chunk's state (its samples' buffers transferred). */
export function serveChunkTasks(): void {
  if (isMainThread || !parentPort) throw new Error('serveChunkTasks runs in a worker thread');
  const port = parentPort;
  const scan = chunkScanner();
  let queue = Promise.resolve();
  port.on('message', ({ id, task }: { id: number; task: ChunkTask }) => {
    queue = queue.then(async () => {
      try {
        const state = await scan(task);
        port.postMessage({ id, state } satisfies Reply, state.samples.flatMap(({ sample }) => [sample.keys.buffer as ArrayBuffer, sample.values.buffer as ArrayBuffer]));
      } catch (error) {
        port.postMessage({ id, error: error instanceof Error ? error.message : String(error), name: error instanceof Error ? error.name : 'Error' } satisfies Reply);
      }
    });
  });
}
