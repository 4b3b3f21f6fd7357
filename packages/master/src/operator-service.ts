import { nowSeconds, type OperatorHandlers, TandemError } from '@tandem/protocol';
import type { MasterOperations } from './master-operations.js';
import { type MayViewFramework, visibleEvent, visibleState } from './state-filter.js';

const HEARTBEAT_MS = 15_000;

/** gRPC handlers of the Operator service. */
export function operatorHandlers(master: MasterOperations): OperatorHandlers {
  return {
    GetState(call, callback) {
      callback(null, visibleState(master.state(), viewer(master, master.auth.principalOf(call))));
    },
    Watch(call) {
      const mayView = viewer(master, master.auth.principalOf(call));
      call.write({ subscribed: visibleState(master.state(), mayView) });
      const unsubscribe = master.watch(
        (event) => {
          const visible = visibleEvent(event, mayView);
          if (visible) call.write(visible);
        },
        () => call.end(),
      );
      const heartbeat = setInterval(() => call.write({ heartbeat: nowSeconds() }), HEARTBEAT_MS);
      heartbeat.unref();
      const stop = (): void => {
        unsubscribe();
        clearInterval(heartbeat);
      };
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('error', stop);
    },
    ReadTaskLog(call, callback) {
      master.readTaskLog(call.request, master.auth.principalOf(call)).then(
        (res) => callback(null, res),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
    GetWeights(_call, callback) {
      callback(null, { weights: master.roleConfig.listWeights() });
    },
    UpdateWeights(call, callback) {
      const principal = master.auth.principalOf(call);
      authorized(() => {
        for (const [i, w] of call.request.weights.entries()) master.auth.authorize('update_weights', principal, w.role, `weights[${i}].role`);
      })
        .then(() => master.roleConfig.updateWeights(call.request.weights))
        .then(
          (weights) => callback(null, { weights }),
          (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
        );
    },
    GetQuota(_call, callback) {
      callback(null, { quotas: master.roleConfig.listQuotas() });
    },
    UpdateQuota(call, callback) {
      const principal = master.auth.principalOf(call);
      authorized(() => {
        for (const [i, q] of call.request.quotas.entries()) master.auth.authorize('update_quotas', principal, q.role, `quotas[${i}].role`);
      })
        .then(() => master.roleConfig.updateQuotas(call.request.quotas, call.request.force))
        .then(
          (quotas) => callback(null, { quotas }),
          (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
        );
    },
    DrainAgent(call, callback) {
      const r = call.request;
      master
        .drainAgent(
          { agentId: r.agentId, gracePeriodSeconds: r._gracePeriodSeconds === 'gracePeriodSeconds' ? r.gracePeriodSeconds : undefined, markGone: r.markGone },
          master.auth.principalOf(call),
        )
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
        );
    },
    ReactivateAgent(call, callback) {
      master.reactivateAgent(call.request.agentId, master.auth.principalOf(call)).then(
        (reactivated) => callback(null, { reactivated }),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
    KillTask(call, callback) {
      const r = call.request;
      master
        .killTask(
          {
            taskId: r.taskId,
            frameworkId: r.frameworkId || undefined,
            gracePeriodSeconds: r._gracePeriodSeconds === 'gracePeriodSeconds' ? r.gracePeriodSeconds : undefined,
          },
          master.auth.principalOf(call),
        )
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
        );
    },
    GetMaintenanceSchedule(_call, callback) {
      callback(null, master.maintenanceSchedule());
    },
    UpdateMaintenanceSchedule(call, callback) {
      master.updateMaintenanceSchedule(call.request.windows, master.auth.principalOf(call)).then(
        (schedule) => callback(null, schedule),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
    GetMaintenanceStatus(_call, callback) {
      callback(null, master.maintenanceStatus());
    },
    TeardownFramework(call, callback) {
      master.teardownFramework(call.request.frameworkId, master.auth.principalOf(call)).then(
        (res) => callback(null, res),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
    MarkAgentGone(call, callback) {
      master.markAgentGone(call.request.agentId, master.auth.principalOf(call)).then(
        (gone) => callback(null, gone),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
  };
}

/** What a caller may see (the `view` ACL on each framework's principal), each framework decided once per call. */
function viewer(master: MasterOperations, principal: string | undefined): MayViewFramework {
  if (!master.auth.acls.configured) return () => true;
  const decided = new Map<string, boolean>();
  return (frameworkId) => {
    let may = decided.get(frameworkId);
    if (may === undefined) {
      const owner = master.frameworks.get(frameworkId)?.principal ?? '';
      may = master.auth.mayView(principal, owner);
      decided.set(frameworkId, may);
    }
    return may;
  };
}

/** Runs the ACL checks of a call; a denial becomes a rejected promise. */
function authorized(check: () => void): Promise<void> {
  try {
    check();
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(err);
  }
}
