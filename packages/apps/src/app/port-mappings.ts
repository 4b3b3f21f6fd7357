import type { PortMapping } from './app-schema.js';

/** The parts of an app (as parsed or as stored) that say how it is networked. */
interface Networked {
  readonly container?:
    | {
        readonly docker?: { readonly network?: string | undefined; readonly portMappings?: readonly PortMapping[] | undefined } | undefined;
        readonly portMappings?: readonly PortMapping[] | undefined;
      }
    | undefined;
  readonly networks: readonly { readonly mode: string }[];
}

/** True when the app asks for Docker bridge networking (networks container/bridge, or the legacy docker.network BRIDGE). */
export function isBridge(app: Networked): boolean {
  return app.networks.some((n) => n.mode === 'container/bridge') || app.container?.docker?.network === 'BRIDGE';
}

/** The app's port mappings in bridge mode (container.portMappings, else docker.portMappings); undefined on host networking. */
export function bridgeMappings(app: Networked): readonly PortMapping[] | undefined {
  if (!isBridge(app)) return undefined;
  return app.container?.portMappings ?? app.container?.docker?.portMappings ?? [];
}
