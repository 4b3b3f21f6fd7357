import type { Constraint } from '../app/app-schema.js';

/** Where an instance sits (or would sit), as constraints see it. */
export interface PlacementSite {
  hostname: string;
  attributes: Readonly<Record<string, string>>;
}

/** The value a constraint field takes on a site: `hostname`/`@hostname`, `@region`/`@zone`, or an attribute. */
export function fieldValue(site: PlacementSite, field: string): string | undefined {
  if (field === 'hostname' || field === '@hostname') return site.hostname;
  const name = field.startsWith('@') ? field.slice(1) : field;
  return site.attributes[name];
}

function fullMatch(pattern: string, value: string): boolean {
  return new RegExp(`^(?:${pattern})$`).test(value);
}

/**
 * Whether one constraint allows a new instance on `site`, given where the app's other
 * instances are (`placed`) and, for GROUP_BY, every value seen so far in offers.
 * Returns undefined when it does, else why not.
 */
export function constraintProblem(
  constraint: Constraint,
  site: PlacementSite,
  placed: readonly PlacementSite[],
  seenValues: ReadonlySet<string> = new Set(),
): string | undefined {
  const [field, op, value] = constraint;
  const v = fieldValue(site, field);
  const text = `${field} ${op}${value === undefined ? '' : ` ${value}`}`;
  if (v === undefined && op !== 'UNLIKE') return `${text}: the agent has no ${field}`;
  const placedValues = placed.map((p) => fieldValue(p, field)).filter((x): x is string => x !== undefined);
  const count = (x: string): number => placedValues.filter((p) => p === x).length;
  switch (op) {
    case 'UNIQUE':
      return count(v!) > 0 ? `${text}: an instance already runs where ${field} is ${v}` : undefined;
    case 'CLUSTER': {
      const target = value || placedValues[0];
      return target !== undefined && v !== target ? `${text}: ${field} is ${v}, instances must all be on ${target}` : undefined;
    }
    case 'GROUP_BY': {
      const known = new Set([...placedValues, ...seenValues, v!]);
      const expected = value ? Number(value) : 0;
      const distinctPlaced = new Set(placedValues).size;
      let min = Math.min(...[...known].map(count));
      if (expected > 0 && distinctPlaced < expected) min = 0;
      return count(v!) > min ? `${text}: ${field} ${v} already has ${count(v!)} instance(s), another value has ${min}` : undefined;
    }
    case 'LIKE':
      return fullMatch(value ?? '', v!) ? undefined : `${text}: ${field} is ${v}`;
    case 'UNLIKE':
      return v !== undefined && fullMatch(value ?? '', v) ? `${text}: ${field} is ${v}` : undefined;
    case 'MAX_PER':
      return count(v!) >= Number(value) ? `${text}: ${field} ${v} already has ${count(v!)} instance(s)` : undefined;
    case 'IS':
      return v === value ? undefined : `${text}: ${field} is ${v}`;
  }
}

/** Every constraint problem of an app's constraints on a site. */
export function constraintProblems(
  constraints: readonly Constraint[],
  site: PlacementSite,
  placed: readonly PlacementSite[],
  seen: (field: string) => ReadonlySet<string> = () => new Set(),
): string[] {
  return constraints.map((c) => constraintProblem(c, site, placed, seen(c[0]))).filter((p): p is string => p !== undefined);
}
