import { type Offer, type Range, Resources } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import type { PortMapping } from '../app/app-schema.js';
import { bridgeMappings } from '../app/port-mappings.js';
import { constraintProblems, type PlacementSite } from './constraints.js';

/** Why an offer did not fit an instance, in Marathon's NoOfferMatchReason names. */
export type DeclineReason =
  | 'UnfulfilledRole'
  | 'UnfulfilledConstraint'
  | 'InsufficientCpus'
  | 'InsufficientMemory'
  | 'InsufficientDisk'
  | 'InsufficientPorts'
  | 'AgentMaintenance';

export type FitResult = { ok: true; resources: Resources; ports: number[] } | { ok: false; reasons: DeclineReason[]; details: string[] };

/** The roles whose resources an app may use: `acceptedResourceRoles`, else unreserved and its own role. */
export function acceptedRoles(app: AppDefinition): Set<string> {
  return new Set(app.acceptedResourceRoles ?? ['*', app.role]);
}

/** The part of an offer an app may use (resources of accepted roles). */
export function usableResources(app: AppDefinition, offer: Offer): Resources {
  const roles = acceptedRoles(app);
  return Resources.fromWire(
    offer.resources.filter((r) => roles.has(r.role === '' ? '*' : r.role)),
    `offer ${offer.id}.resources`,
  );
}

export function siteOf(offer: Offer): PlacementSite {
  return { hostname: offer.hostname, attributes: Object.fromEntries(offer.attributes.map((a) => [a.name, a.text])) };
}

/** In bridge mode: each mapping's fixed host port, or one from the offer for a mapping without (0). */
function bridgePortsWanted(mappings: readonly PortMapping[], free: Resources): number[] | undefined {
  const have = free.ranges('ports');
  const inOffer = (p: number): boolean => have.some((r) => r.begin <= p && p <= r.end);
  const fixed = mappings.map((m) => m.hostPort ?? 0);
  if (!fixed.every((p) => p === 0 || inOffer(p))) return undefined;
  const taken = new Set(fixed);
  const out: number[] = [];
  for (const p of fixed) {
    if (p !== 0) {
      out.push(p);
      continue;
    }
    let found: number | undefined;
    for (const r of have) {
      for (let q = r.begin; q <= r.end && found === undefined; q++) if (!taken.has(q)) found = q;
      if (found !== undefined) break;
    }
    if (found === undefined) return undefined;
    taken.add(found);
    out.push(found);
  }
  return out;
}

function portsWanted(app: AppDefinition, free: Resources): number[] | undefined {
  const mappings = bridgeMappings(app);
  if (mappings) return bridgePortsWanted(mappings, free);
  const count = app.portDefinitions.length;
  if (count === 0) return [];
  if (app.requirePorts) {
    const fixed = app.portDefinitions.map((p) => p.port);
    const have = free.ranges('ports');
    return fixed.every((p) => have.some((r) => r.begin <= p && p <= r.end)) ? fixed : undefined;
  }
  const picked = free.takeFromRanges('ports', count);
  return picked?.flatMap((r) => Array.from({ length: r.end - r.begin + 1 }, (_, i) => r.begin + i));
}

/** The ports as a resource bundle, one range per port, so PORT0 is the first listed. */
export function portResources(ports: readonly number[]): Resources {
  return ports.length === 0 ? Resources.EMPTY : Resources.of({ ports: ports.map((p): Range => ({ begin: p, end: p })) });
}

/**
 * Whether one instance of `app` fits what is left of an offer (`free`, already
 * restricted to the app's roles), given where the app's other instances are.
 */
export function fitInstance(
  app: AppDefinition,
  offer: Offer,
  free: Resources,
  placed: readonly PlacementSite[],
  seen?: (field: string) => ReadonlySet<string>,
): FitResult {
  const reasons: DeclineReason[] = [];
  const details: string[] = [];
  if (free.isEmpty()) {
    reasons.push('UnfulfilledRole');
    details.push(`no resources for roles ${[...acceptedRoles(app)].join(',')}`);
  }
  const check = (name: 'cpus' | 'mem' | 'disk', want: number, reason: DeclineReason): void => {
    if (want > 0 && free.scalar(name) + 1e-9 < want) {
      reasons.push(reason);
      details.push(`${name}: needs ${want}, the offer has ${free.scalar(name)}`);
    }
  };
  check('cpus', app.cpus, 'InsufficientCpus');
  check('mem', app.mem, 'InsufficientMemory');
  check('disk', app.disk, 'InsufficientDisk');
  const ports = portsWanted(app, free);
  if (!ports) {
    reasons.push('InsufficientPorts');
    details.push(app.requirePorts ? `ports: needs ${app.portDefinitions.map((p) => p.port).join(',')}` : `ports: needs ${app.portDefinitions.length}`);
  }
  const problems = constraintProblems(app.constraints, siteOf(offer), placed, seen);
  if (problems.length > 0) {
    reasons.push('UnfulfilledConstraint');
    details.push(...problems.map((p) => `constraint ${p}`));
  }
  if (reasons.length > 0 || !ports) return { ok: false, reasons: [...new Set(reasons)], details };
  const scalars = Resources.of({ cpus: app.cpus, mem: app.mem, ...(app.disk > 0 ? { disk: app.disk } : {}) });
  return { ok: true, resources: scalars.add(portResources(ports)), ports };
}
