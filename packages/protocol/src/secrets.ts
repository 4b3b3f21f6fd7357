import { ValidationError } from './errors.js';

/**
 * A secret's source name: what an env var's `secret` names and what the agent looks up
 * in its secret source (with `--secrets-dir DIR`, the file DIR/<source>). Letters,
 * digits, `.`, `_` and `-`, at most 200; never `.`, never `..` (nor `/`, which the pattern leaves out),
 * so that a name cannot reach outside the directory.
 */
export const SECRET_SOURCE_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/** What Tandem shows in place of a secret's value, should it ever have one to show. */
export const REDACTED = '***';

/** The problem with a secret source name, or undefined when it is a good one. */
export function secretSourceProblem(source: unknown): string | undefined {
  if (typeof source !== 'string' || source === '') return 'must be a non-empty string';
  if (!SECRET_SOURCE_PATTERN.test(source) || source.includes('..') || source === '.') {
    return `${JSON.stringify(source.slice(0, 60))} must be 1-200 of [A-Za-z0-9._-], not "." and not contain ".." (a file name in the agent's --secrets-dir)`;
  }
  return undefined;
}

/** Returns a good secret source name; throws a ValidationError naming `field` otherwise. */
export function checkSecretSource(field: string, source: unknown): string {
  const problem = secretSourceProblem(source);
  if (problem !== undefined) throw new ValidationError(field, problem);
  return source as string;
}

/** An env var of a task as the wire carries it (EnvVar). */
interface EnvVarLike {
  name?: string | null;
  value?: string | null;
  secret?: string | null;
}

/**
 * Checks the secret references of a task's environment: each `secret` a good source
 * name, and no value beside it. Throws a ValidationError naming `<field>[i].secret`.
 */
export function checkEnvSecrets(field: string, env: readonly EnvVarLike[]): void {
  for (const [i, v] of env.entries()) {
    if (!v.secret) continue;
    checkSecretSource(`${field}[${i}].secret`, v.secret);
    if (v.value) throw new ValidationError(`${field}[${i}].value`, 'must be empty when the variable references a secret');
  }
}

/** The secret sources a task's environment references, each once, in order. */
export function secretSourcesOf(env: readonly EnvVarLike[]): string[] {
  return [...new Set(env.flatMap((v) => (v.secret ? [v.secret] : [])))];
}
