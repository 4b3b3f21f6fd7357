import { ValidationError } from './errors.js';
import type { Attribute } from './generated/tandem/v1/Attribute.js';

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Parses Mesos' attribute syntax, `rack:r1;zone:a`, into wire attributes. */
export function parseAttributes(text: string, field = 'attributes'): Attribute[] {
  const out: Attribute[] = [];
  for (const part of text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const idx = part.indexOf(':');
    if (idx <= 0) throw new ValidationError(field, `"${part}" is not name:value`);
    const name = part.slice(0, idx).trim();
    const value = part.slice(idx + 1).trim();
    if (!NAME.test(name)) throw new ValidationError(`${field}.${name}`, 'is not a valid attribute name');
    if (value === '') throw new ValidationError(`${field}.${name}`, 'has an empty value');
    out.push({ name, text: value });
  }
  return out;
}

export function formatAttributes(attrs: readonly Attribute[]): string {
  return attrs.map((a) => `${a.name}:${a.text}`).join(';');
}
