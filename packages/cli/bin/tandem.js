#!/usr/bin/env node
// Only the command tree loads here: each command's action loads what it needs when it runs, after
// the patches of dependencies (packages/protocol/src/patches) are installed (prepare-action.ts).
import { main } from '../dist/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tandem: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
