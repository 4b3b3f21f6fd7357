/** Where the CLI writes what the user reads. Tests pass their own to capture it. */
export interface CliIo {
  stdout: (text: string | Uint8Array) => void;
  stderr: (text: string | Uint8Array) => void;
}

export const processIo: CliIo = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};
