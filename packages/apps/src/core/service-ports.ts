import { ValidationError } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import { bridgeMappings } from '../app/port-mappings.js';

/** Where service ports are assigned from: [min, max), as Marathon's --local_port_min/--local_port_max. */
export interface ServicePortRange {
  min: number;
  max: number;
}

const servicePorts = (app: AppDefinition | undefined): number[] => app?.portDefinitions.map((p) => p.port).filter((p) => p !== 0) ?? [];

/**
 * Gives every `port: 0` of the apps in `targets` a service port, as Marathon's
 * GroupManager does on every change: an app keeps the ports it had in `current` (in
 * order, those in the range it does not now give explicitly), and takes the lowest free
 * port of the range for the rest. A port is free when no app, current or target, has
 * it. Explicit ports are kept as given. Throws a 422 naming the field when the range is
 * used up. Apps are handled in id order, so the result does not depend on map order.
 */
export function assignServicePorts(
  current: ReadonlyMap<string, AppDefinition>,
  targets: ReadonlyMap<string, AppDefinition | undefined>,
  range: ServicePortRange,
): Map<string, AppDefinition | undefined> {
  const inRange = (p: number): boolean => p >= range.min && p < range.max;
  const taken = new Set<number>();
  for (const app of current.values()) for (const p of servicePorts(app)) taken.add(p);
  for (const app of targets.values()) for (const p of servicePorts(app)) taken.add(p);
  let cursor = range.min;
  const out = new Map(targets);
  for (const id of [...targets.keys()].sort()) {
    const app = targets.get(id);
    if (!app?.portDefinitions.some((p) => p.port === 0)) continue;
    const explicit = new Set(servicePorts(app));
    const reusable = servicePorts(current.get(id)).filter((p) => inRange(p) && !explicit.has(p));
    const portDefinitions = app.portDefinitions.map((def, i) => {
      if (def.port !== 0) return def;
      const again = reusable.shift();
      if (again !== undefined) return { ...def, port: again };
      while (cursor < range.max && taken.has(cursor)) cursor += 1;
      if (cursor >= range.max) {
        throw ValidationError.of(`/portDefinitions/${i}/port`, `${id}: all service ports in the range [${range.min}-${range.max}) are already in use`);
      }
      taken.add(cursor);
      return { ...def, port: cursor };
    });
    out.set(id, withMappedServicePorts({ ...app, portDefinitions }));
  }
  return out;
}

/** In bridge mode the port mappings show the service ports assigned to the app's ports, as Marathon's do. */
function withMappedServicePorts(app: AppDefinition): AppDefinition {
  const container = app.container;
  if (!container || !bridgeMappings(app)) return app;
  const assign = <T extends { servicePort: number }>(mappings: T[] | undefined): T[] | undefined =>
    mappings?.map((m, i) => ({ ...m, servicePort: app.portDefinitions[i]?.port ?? m.servicePort }));
  const docker = container.docker;
  return {
    ...app,
    container: {
      ...container,
      ...(container.portMappings ? { portMappings: assign(container.portMappings) } : {}),
      ...(docker?.portMappings ? { docker: { ...docker, portMappings: assign(docker.portMappings) } } : {}),
    },
  };
}
