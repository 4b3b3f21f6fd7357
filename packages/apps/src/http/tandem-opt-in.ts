import { listOf, type Query } from './route-context.js';

/**
 * `?embed=tandem`: Tandem's own fields beside Marathon's (a task's instanceId, condition
 * and goal; an app's and a queue item's `waiting` detail; a deployment's timeoutAt and
 * rollbackOf; /v2/info's connected, store and Tandem settings). Without it every
 * response carries Marathon's fields only, so strict Marathon clients read it.
 */
export const TANDEM_EMBED = 'tandem';

export function wantsTandem(q: Query | undefined): boolean {
  return q !== undefined && listOf(q, 'embed').includes(TANDEM_EMBED);
}
