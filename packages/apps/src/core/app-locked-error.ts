import { Code, TandemError } from '@tandem/protocol';

/** A request that conflicts with running deployments (HTTP 409 with their ids). */
export class AppLockedError extends TandemError {
  override readonly name = 'AppLockedError';
  constructor(readonly deploymentIds: string[]) {
    super(
      Code.FailedPrecondition,
      `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/${deploymentIds[0] ?? ''}'.`,
    );
  }
}
