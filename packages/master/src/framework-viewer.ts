import type { MasterOperations } from './master-operations.js';
import type { MayViewFramework } from './state-filter.js';

/**
 * What `principal` may see: the `view` ACL on each framework's principal, each framework
 * decided once per viewer (a viewer lives for one request or one event stream). Everyone
 * sees everything when no ACLs are configured.
 */
export function frameworkViewer(master: Pick<MasterOperations, 'auth' | 'frameworks'>, principal: string | undefined): MayViewFramework {
  if (!master.auth.acls.configured) return () => true;
  const decided = new Map<string, boolean>();
  return (frameworkId) => {
    let may = decided.get(frameworkId);
    if (may === undefined) {
      may = master.auth.mayView(principal, master.frameworks.get(frameworkId)?.principal ?? '');
      decided.set(frameworkId, may);
    }
    return may;
  };
}
