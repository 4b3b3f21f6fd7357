import { encodePathId } from '../app/path-id.js';

/** Where the apps framework keeps its state in the shared Store. */
export const keys = {
  frameworkId: 'apps/framework-id',
  app: (id: string) => `apps/app/${encodePathId(id)}`,
  apps: 'apps/app/',
  version: (id: string, version: string) => `apps/version/${encodePathId(id)}/${version}`,
  versionsOf: (id: string) => `apps/version/${encodePathId(id)}/`,
  versions: 'apps/version/',
  deployment: (id: string) => `apps/deployment/${id}`,
  deployments: 'apps/deployment/',
  instance: (id: string) => `apps/instance/${id}`,
  instances: 'apps/instance/',
  group: (id: string) => `apps/group/${encodePathId(id)}`,
  groups: 'apps/group/',
  root: (version: string) => `apps/root/${version}`,
  roots: 'apps/root/',
} as const;
