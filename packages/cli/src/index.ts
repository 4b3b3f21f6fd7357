export type { CliIo } from './cli-io.js';
export { envName } from './flag-option.js';
export { type MainOptions, main } from './main.js';
export { buildProgram, CLI_VERSION } from './program.js';
