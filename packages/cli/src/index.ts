export { main, type MainOptions } from './main.js';
export { buildProgram, CLI_VERSION } from './program.js';
export type { CliIo } from './cli-io.js';
export { envName } from './flag-option.js';
