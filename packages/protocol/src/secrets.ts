import { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * A secret's source name: what an env var's `secret` names and what the agent looks up
 * in its secret source (with `--secrets-dir DIR`, the file DIR/<source>). Letters,
 * digits, `.`, `_` and `-`, at most 200; never `.`, never `..` (nor `/`, which the pattern leaves out),
 * so that a name cannot reach outside the directory.
 */
export const SECRET_SOURCE_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

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

/** Marathon's and Metronome's env value that names one of the `secrets` instead of giving a value: `{"secret": "<name>"}`. */
export const envSecretRefSchema = z.strictObject({ secret: z.string({ error: 'must be a string' }).min(1, 'must not be empty') });

/** An env value of Marathon and Metronome: a string, or a reference to one of the `secrets`. */
export const envValueSchema = z.union([z.string(), envSecretRefSchema], { error: 'must be a string or {"secret": "<a name in secrets>"}' });

/**
 * Marathon's `secrets` (Metronome's `run.secrets`): `{"<name>": {"source": "<source>"}}`.
 * The source is what the agent reads (a file name in its --secrets-dir); a bad one is an
 * issue at `<name>/source`. Only this reference is ever stored or shown.
 */
export const secretsSchema = z
  .record(
    z.string().min(1, 'a secret name must not be empty'),
    z.strictObject({ source: z.string({ error: 'must be a string' }) }, { error: 'must be {"source": "<file name>"}' }),
    {
      error: 'must be an object of {"source": ...}',
    },
  )
  .superRefine((secrets, ctx) => {
    for (const [name, s] of Object.entries(secrets)) {
      const problem = secretSourceProblem(s.source);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name, 'source'], message: problem });
    }
  });

/** The env names whose `{secret}` names no entry of `secrets`, with the message to give (a 422 naming `env/<name>`). */
export function undefinedSecretRefs(
  env: Readonly<Record<string, string | { secret: string }>>,
  secrets: Readonly<Record<string, { source: string }>>,
): { name: string; message: string }[] {
  return Object.entries(env).flatMap(([name, v]) =>
    typeof v === 'string' || Object.hasOwn(secrets, v.secret)
      ? []
      : [{ name, message: `references an undefined secret "${v.secret}" (define it in secrets: {"${v.secret}": {"source": "..."}})` }],
  );
}

/** An env of Marathon or Metronome with its secrets resolved to references to their sources, as the SDK's TaskSpec.env takes it. */
export function envWithSecretSources(
  env: Readonly<Record<string, string | { secret: string }>>,
  secrets: Readonly<Record<string, { source: string }>>,
): Record<string, string | { secret: string }> {
  const out: Record<string, string | { secret: string }> = {};
  for (const [name, v] of Object.entries(env)) {
    if (typeof v === 'string') out[name] = v;
    else {
      const source = secrets[v.secret]?.source;
      if (source !== undefined) out[name] = { secret: source };
    }
  }
  return out;
}
