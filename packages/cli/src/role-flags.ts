import { ValidationError } from '@tandem/protocol';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** One `ROLE=WEIGHT` (the role may hold `/` and `=`-free text); the master validates the role and the weight. */
export function parseWeight(text: string, field: string): { role: string; weight: number } {
  const at = text.lastIndexOf('=');
  const role = text.slice(0, at).trim();
  const value = text.slice(at + 1).trim();
  if (at <= 0 || role === '') throw new ValidationError(field, `"${text}" is not ROLE=WEIGHT (e.g. eng=2)`);
  if (!NUMBER.test(value)) throw new ValidationError(field, `"${value}" in "${text}" is not a number`);
  return { role, weight: Number(value) };
}

/** `a=2,b/c=0.5` (the master's `--weights`, as Mesos') into role -> weight; each role once. */
export function parseWeightList(text: string, field: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const { role, weight } = parseWeight(part, field);
    if (role in out) throw new ValidationError(field, `role "${role}" is given twice`);
    out[role] = weight;
  }
  return out;
}

/** Scalar amounts in Mesos' resource syntax, `cpus:4;mem:1024` (0 allowed: a limit of nothing). */
export function parseQuantities(text: string, field: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = part.indexOf(':');
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (at <= 0 || name === '') throw new ValidationError(field, `"${part}" is not name:amount (e.g. cpus:4;mem:1024)`);
    if (value.startsWith('[')) throw new ValidationError(field, `${name}: ranges have no quota; give scalars such as cpus, mem, disk, gpus`);
    if (!NUMBER.test(value)) throw new ValidationError(field, `${name}: "${value}" is not a number`);
    if (name in out) throw new ValidationError(field, `${name} is given twice`);
    out[name] = Number(value);
  }
  return out;
}
