import { constants } from 'node:fs';
import { access, open, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Code, secretSourceProblem, TandemError } from '@tandem/protocol';

/** A secret file larger than this is refused (64 KiB): an environment variable, not a blob. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** The flag that gives an agent its secret source, for messages. */
export const SECRETS_DIR_FLAG = '--secrets-dir';

/** A secret the agent could not resolve; the message names the secret (never a value) and the flag. */
export class SecretError extends TandemError {
  override readonly name: string = 'SecretError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(Code.FailedPrecondition, message);
  }
}

/** Where an agent reads the secrets its tasks reference. */
export interface SecretSource {
  /** The value of the secret `source`; rejects with a SecretError naming it. */
  read(source: string): Promise<string>;
}

/** The source of an agent started without --secrets-dir: every reference fails, naming the flag. */
export const NO_SECRETS: SecretSource = {
  read(source: string): Promise<string> {
    return Promise.reject(
      new SecretError(
        source,
        `secret "${source}": this agent has no secret source (start it with tandem agent ${SECRETS_DIR_FLAG} DIR, the file DIR/${source})`,
      ),
    );
  },
};

/**
 * Secrets as files of one directory (`tandem agent --secrets-dir DIR`): the secret
 * `source` is the file DIR/<source>, read at each launch (so a changed file reaches the
 * next task). The name must be a plain file name ([A-Za-z0-9._-], no ".."); the file
 * must be a regular file at most MAX_SECRET_BYTES long, and a symlink is followed only
 * while it stays inside DIR (as Kubernetes' mounted secrets are). One trailing newline
 * (`\n` or `\r\n`) is dropped, as `echo x > file` adds one.
 */
export class DirectorySecretSource implements SecretSource {
  constructor(
    readonly dir: string,
    private readonly maxBytes = MAX_SECRET_BYTES,
  ) {}

  async read(source: string): Promise<string> {
    const where = `in ${SECRETS_DIR_FLAG} ${this.dir}`;
    const problem = secretSourceProblem(source);
    if (problem !== undefined) throw new SecretError(String(source), `secret source ${problem}`);
    let root: string;
    let path: string;
    try {
      root = await realpath(this.dir);
      path = await realpath(join(root, source));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? TandemError.from(err).message})`;
      throw new SecretError(source, `secret "${source}": ${why} ${where}`);
    }
    if (!path.startsWith(root + sep)) throw new SecretError(source, `secret "${source}": a symlink leading out of ${SECRETS_DIR_FLAG} ${this.dir}`);
    let text: string;
    try {
      // O_NOFOLLOW: the resolved path has no symlinks left; O_NONBLOCK: a FIFO cannot hang the launch.
      const fd = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        const stat = await fd.stat();
        if (!stat.isFile()) throw new SecretError(source, `secret "${source}": not a regular file ${where}`);
        if (stat.size > this.maxBytes) throw new SecretError(source, `secret "${source}": ${stat.size} bytes, more than the ${this.maxBytes} allowed ${where}`);
        const buf = Buffer.alloc(this.maxBytes + 1);
        const { bytesRead } = await fd.read(buf, 0, buf.length, 0);
        if (bytesRead > this.maxBytes) throw new SecretError(source, `secret "${source}": more than the ${this.maxBytes} bytes allowed ${where}`);
        text = buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await fd.close();
      }
    } catch (err) {
      if (err instanceof SecretError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new SecretError(source, `secret "${source}": cannot be read (${code ?? TandemError.from(err).message}) ${where}`);
    }
    if (text.includes('\0')) throw new SecretError(source, `secret "${source}": contains a NUL byte, which no environment variable can hold`);
    return text.replace(/\r?\n$/, '');
  }
}

/** Fails (naming --secrets-dir) unless `dir` is a directory the agent can read: checked at start. */
export async function checkSecretsDir(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
    if (isDir) await access(dir, constants.R_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TandemError(
      Code.FailedPrecondition,
      `${SECRETS_DIR_FLAG}: ${dir} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}`,
      {
        field: SECRETS_DIR_FLAG,
      },
    );
  }
  if (!isDir) throw new TandemError(Code.FailedPrecondition, `${SECRETS_DIR_FLAG}: ${dir} is not a directory`, { field: SECRETS_DIR_FLAG });
}

/** The values of the secrets a task references, by source; rejects with the first SecretError. */
export async function readSecrets(source: SecretSource, names: readonly string[]): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const name of names) values.set(name, await source.read(name));
  return values;
}
