/**
 * zod as every modelgate schema uses it. Each schema parses a few small documents per run (inputs,
 * modelgate.yml, artifacts), so zod's JIT (a `new Function` compiled per object schema on its
 * first parse) costs more than it saves: about 15 ms of every command. `jitless` is read when a
 * schema is built, so schemas import `z` from here, never from 'zod' directly.
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
