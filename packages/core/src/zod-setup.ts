/**
 * zod's JIT off. Each schema parses a few small documents per run (inputs, modelgate.yml,
 * artifacts), so the JIT (a `new Function` compiled per object schema on its first parse) cost
 * more than it saved: about 15 ms of every command. zod reads the setting when a schema is built,
 * so every module that builds schemas imports this one first (outside this package:
 * `@modelgate/core/zod-setup`). The package's index would not do: the bundler links importers
 * straight to the modules that define what they import, and never runs the index.
 * test/generated.test.ts checks that every such module does.
 */
import { config } from 'zod';

config({ jitless: true });
