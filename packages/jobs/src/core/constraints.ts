import type { Offer } from '@tandem/protocol';
import type { Constraint } from '../spec/job-spec.js';

function attributeOf(offer: Offer, name: string): string | undefined {
  if (name === 'hostname' || name === '@hostname') return offer.hostname;
  if (name === '@agent' || name === 'agentId') return offer.agentId;
  return offer.attributes.find((a) => a.name === name)?.text;
}

/** Metronome's placement constraints: IS/EQ (equal), LIKE (full regex match), UNLIKE (no match). */
export function offerMatches(offer: Offer, constraints: readonly Constraint[] | undefined): boolean {
  for (const c of constraints ?? []) {
    const value = attributeOf(offer, c.attribute);
    const wanted = c.value ?? '';
    switch (c.operator) {
      case 'IS':
      case 'EQ':
        if (value !== wanted) return false;
        break;
      case 'LIKE':
        if (value === undefined || !fullMatch(wanted, value)) return false;
        break;
      case 'UNLIKE':
        if (value !== undefined && fullMatch(wanted, value)) return false;
        break;
    }
  }
  return true;
}

function fullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}
