import { type FieldErrors, ValidationError } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import { parentGroup, pathIdProblem, resolvePathId } from '../app/path-id.js';
import { type AppLimits, validateApp } from '../app/validate-app.js';
import { UNSTAMPED } from './route-context.js';

/**
 * A group document of /v2/groups, validated: ids and dependencies absolute. A field left
 * out is undefined (a PUT keeps what the group has there, as Marathon's GroupUpdate).
 */
export interface GroupDocument {
  id: string;
  apps?: AppDefinition[];
  groups?: GroupDocument[];
  dependencies?: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a group document for group `id` (`path`: its JSON pointer in the body).
 * Throws one ValidationError (422) naming every field at fault.
 */
export function parseGroupDocument(raw: unknown, id: string, limits: AppLimits, path = ''): GroupDocument {
  const problems: FieldErrors[] = [];
  const doc = parse(raw, id, limits, path, problems);
  if (problems.length > 0) throw new ValidationError(problems);
  return doc;
}

function parse(raw: unknown, id: string, limits: AppLimits, path: string, problems: FieldErrors[]): GroupDocument {
  const add = (at: string, error: string): void => {
    problems.push({ path: at || '/', errors: [error] });
  };
  const doc: GroupDocument = { id };
  if (!isObject(raw)) {
    add(path, 'a group must be a JSON object');
    return doc;
  }
  if (raw.apps !== undefined) {
    if (!Array.isArray(raw.apps)) add(`${path}/apps`, 'must be an array');
    else {
      doc.apps = [];
      raw.apps.forEach((app, i) => {
        const r = isObject(app) ? app : {};
        const appId = typeof r.id === 'string' ? resolvePathId(id, r.id) : undefined;
        try {
          doc.apps?.push(validateApp({ ...r, ...(appId ? { id: appId } : {}) }, limits, UNSTAMPED, `${path}/apps/${i}`));
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          problems.push(...err.details);
        }
      });
    }
  }
  if (raw.groups !== undefined) {
    if (!Array.isArray(raw.groups)) add(`${path}/groups`, 'must be an array');
    else {
      doc.groups = [];
      raw.groups.forEach((sub, i) => {
        const at = `${path}/groups/${i}`;
        const subId = isObject(sub) ? sub.id : undefined;
        const resolved = typeof subId === 'string' && subId !== '' ? resolvePathId(id, subId) : undefined;
        const problem =
          typeof subId !== 'string' || subId === ''
            ? 'a group inside a group needs an id'
            : !resolved || pathIdProblem(resolved)
              ? `"${subId}" is not a valid group id`
              : parentGroup(resolved) !== id
                ? `"${subId}" is not a group directly inside ${id}`
                : undefined;
        if (problem || !resolved) {
          add(`${at}/id`, problem ?? 'invalid');
          return;
        }
        doc.groups?.push(parse(sub, resolved, limits, at, problems));
      });
    }
  }
  if (raw.dependencies !== undefined) {
    if (!Array.isArray(raw.dependencies)) add(`${path}/dependencies`, 'must be an array of app or group ids');
    else if (id === '/' && raw.dependencies.length > 0) add(`${path}/dependencies`, 'the root group cannot have dependencies');
    else {
      doc.dependencies = [];
      raw.dependencies.forEach((d, i) => {
        const resolved = typeof d === 'string' ? resolvePathId(id, d) : undefined;
        if (!resolved || pathIdProblem(resolved)) add(`${path}/dependencies/${i}`, `${JSON.stringify(d)} is not a valid path id`);
        else doc.dependencies?.push(resolved);
      });
    }
  }
  if (Array.isArray(raw.pods) && raw.pods.length > 0) add(`${path}/pods`, 'pods are not supported');
  return doc;
}
