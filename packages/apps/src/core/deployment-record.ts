import { Code, TandemError } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import type { Deployment } from './deployment.js';

/**
 * A deployment as stored under `apps/deployment/<id>`: each affected app's original and
 * target as a version (null: absent), the definitions themselves living once under
 * `apps/version/<id>/<version>`. The record stays small however large the apps, and
 * rewriting it as the deployment steps on rewrites no definition.
 */
export interface DeploymentRecord extends Omit<Deployment, 'original' | 'target'> {
  originalVersions: Record<string, string | null>;
  targetVersions: Record<string, string | null>;
}

/** What an older Tandem stored: the whole definitions (still loaded). */
type EmbeddingRecord = Deployment;

export type StoredDeployment = DeploymentRecord | EmbeddingRecord;

const versionsOf = (apps: Record<string, AppDefinition | null>): Record<string, string | null> =>
  Object.fromEntries(Object.entries(apps).map(([id, a]) => [id, a ? a.version : null]));

export function toDeploymentRecord(d: Deployment): DeploymentRecord {
  const { original, target, ...rest } = d;
  return { ...rest, originalVersions: versionsOf(original), targetVersions: versionsOf(target) };
}

/** Every (app id, version) the deployment refers to. */
export function versionRefs(d: Deployment): [string, string][] {
  return [...Object.values(d.original), ...Object.values(d.target)].flatMap((a): [string, string][] => (a ? [[a.id, a.version]] : []));
}

/**
 * The deployment of a stored record, its apps read with `read`. A version it refers to
 * that is not stored is a broken store (the versions are written before the record and
 * kept while it runs): loading stops rather than guess.
 */
export async function fromDeploymentRecord(
  r: StoredDeployment,
  read: (id: string, version: string) => Promise<AppDefinition | undefined>,
): Promise<Deployment> {
  if (!('originalVersions' in r)) return r;
  const resolve = async (versions: Record<string, string | null>): Promise<Record<string, AppDefinition | null>> => {
    const out: Record<string, AppDefinition | null> = {};
    for (const [id, v] of Object.entries(versions)) {
      if (v === null) {
        out[id] = null;
        continue;
      }
      const app = await read(id, v);
      if (!app) throw new TandemError(Code.Internal, `deployment ${r.id} refers to app ${id} version ${v}, which is not stored`);
      out[id] = app;
    }
    return out;
  };
  const { originalVersions, targetVersions, ...rest } = r;
  return { ...rest, original: await resolve(originalVersions), target: await resolve(targetVersions) };
}
