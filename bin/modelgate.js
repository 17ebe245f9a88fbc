#!/usr/bin/env node
// Launcher for the `modelgate` bin: the CLI is the built bundle (Node 20 cannot run TypeScript).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("modelgate: the CLI is not built; run 'npm run build' (npm install runs it)\n");
  process.exit(2);
}
await import(cli.href);
