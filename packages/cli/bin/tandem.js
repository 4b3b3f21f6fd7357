#!/usr/bin/env node
import { installGrpcPatches } from '@tandem/protocol';
import { main } from '../dist/main.js';

// Patches of dependencies, installed once before anything else runs (packages/protocol/src/patches).
installGrpcPatches();

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tandem: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
