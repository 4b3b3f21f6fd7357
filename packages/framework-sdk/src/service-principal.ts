import { pemPrincipal } from '@tandem/protocol';
import type { ResolvedServiceFrameworkOptions } from './service-options.js';

/**
 * Who a service framework (apps, jobs) is to the masters: its certificate's `OU/CN`, else
 * its credential's principal, else (an open cluster) its framework name. It is the object
 * of the `view` ACL on the framework's REST API reads, as the master's frameworks are.
 */
export function servicePrincipal(o: Pick<ResolvedServiceFrameworkOptions, 'tls' | 'credential' | 'frameworkName'>): string {
  return (o.tls ? pemPrincipal(o.tls.cert) : undefined) ?? o.credential?.principal ?? o.frameworkName;
}
