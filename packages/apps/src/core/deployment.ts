import { Code, TandemError } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import type { GroupRecord } from './group-record.js';

export type DeploymentActionType = 'StartApplication' | 'ScaleApplication' | 'RestartApplication' | 'StopApplication';

export interface DeploymentAction {
  action: DeploymentActionType;
  app: string;
}

export interface DeploymentStep {
  actions: DeploymentAction[];
}

/** running -> succeeded | failed (timeout; a rollback follows) | cancelled (forced away or rolled back). */
export type DeploymentState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export const DEPLOYMENT_TRANSITIONS: Readonly<Record<DeploymentState, readonly DeploymentState[]>> = {
  running: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function checkDeploymentTransition(from: DeploymentState, to: DeploymentState): DeploymentState {
  if (!DEPLOYMENT_TRANSITIONS[from].includes(to)) throw new TandemError(Code.Internal, `deployment cannot move from ${from} to ${to}`);
  return to;
}

/**
 * A plan of sequential steps of concurrent actions, and where it stands. Stored under
 * `apps/deployment/<id>` while it runs, its apps as versions (`deployment-record.ts`).
 * `original` and `target` hold each affected app's definition before and after (null:
 * absent), for holding later steps back and for rolling back.
 */
export interface Deployment {
  id: string;
  version: string;
  affectedApps: string[];
  steps: DeploymentStep[];
  /** Index of the step in progress (Marathon reports it 1-based). */
  currentStep: number;
  state: DeploymentState;
  original: Record<string, AppDefinition | null>;
  target: Record<string, AppDefinition | null>;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms after which the deployment fails and rolls back. */
  timeoutAt?: number;
  /** The deployment this one rolls back. */
  rollbackOf?: string;
  /** Each stored group the deployment wrote or removed, as it was before (null: absent); a rollback restores them. */
  originalGroups?: Record<string, GroupRecord | null>;
}
