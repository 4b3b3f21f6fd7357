import type { AppDefinition } from '../app/app-definition.js';

/**
 * The port variables Marathon gives a task on host networking (EnvironmentHelper.portsEnv)
 * besides PORT0..n and PORT, which the agent sets: PORTS (the host ports, comma
 * separated), PORT_<service port> and PORT_<NAME> (the port's name upper-cased) for each
 * port definition, each the host port of that definition.
 */
export function portEnv(app: AppDefinition, hostPorts: readonly number[]): Record<string, string> {
  if (hostPorts.length === 0) return {};
  const env: Record<string, string> = { PORTS: hostPorts.join(',') };
  app.portDefinitions.forEach((def, i) => {
    const host = hostPorts[i];
    if (host === undefined) return;
    env[`PORT_${def.port !== 0 ? def.port : host}`] = String(host);
    if (def.name) env[`PORT_${def.name.toUpperCase()}`] = String(host);
  });
  return env;
}
