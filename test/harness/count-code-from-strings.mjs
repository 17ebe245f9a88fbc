// Preloaded with `--import`: counts the main thread's calls of the global Function constructor
// (`new Function(...)`, `Function(...)`: how zod compiles its parsers; not `eval` or `vm`) and
// writes the count to $COUNT_FILE at exit.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  let count = 0;
  globalThis.Function = new Proxy(globalThis.Function, {
    construct: (target, args) => (count++, Reflect.construct(target, args)),
    apply: (target, self, args) => (count++, Reflect.apply(target, self, args)),
  });
  process.on('exit', () => writeFileSync(process.env['COUNT_FILE'], String(count)));
}
