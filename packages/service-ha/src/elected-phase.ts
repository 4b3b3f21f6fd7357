/**
 * Where an ElectedService is, as data:
 *
 * - `created`: not started.
 * - `standby`: contending for the lease (a store open, a LeaderLease acquiring).
 * - `starting`: this process took the lease; its service is starting on the fenced store.
 * - `leading`: the service runs.
 * - `stepping-down`: the lease was lost (or the service failed to start): the service is
 *   being stopped and the store closed; then `standby` again with a new lease and store.
 * - `stopping` → `stopped`: an orderly stop (the service stopped, the lease released).
 */
export type ElectedPhase = 'created' | 'standby' | 'starting' | 'leading' | 'stepping-down' | 'stopping' | 'stopped';

export const ELECTED_TRANSITIONS: Readonly<Record<ElectedPhase, readonly ElectedPhase[]>> = {
  created: ['standby', 'stopped'],
  standby: ['starting', 'stopping'],
  starting: ['leading', 'stepping-down', 'stopping'],
  leading: ['stepping-down', 'stopping'],
  'stepping-down': ['standby', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export function canMove(from: ElectedPhase, to: ElectedPhase): boolean {
  return ELECTED_TRANSITIONS[from].includes(to);
}
