#!/usr/bin/env node
import { main } from '../dist/main.js';

main(process.argv).catch((err) => {
  process.stderr.write(`tandem: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
