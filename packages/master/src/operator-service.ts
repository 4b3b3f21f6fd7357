import { nowSeconds, type OperatorHandlers, TandemError } from '@tandem/protocol';
import type { MasterOperations } from './master-operations.js';

const HEARTBEAT_MS = 15_000;

/** gRPC handlers of the Operator service. */
export function operatorHandlers(master: MasterOperations): OperatorHandlers {
  return {
    GetState(_call, callback) {
      callback(null, master.state());
    },
    Watch(call) {
      call.write({ subscribed: master.state() });
      const unsubscribe = master.watch(
        (event) => call.write(event),
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
      master.readTaskLog(call.request).then(
        (res) => callback(null, res),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
    GetWeights(_call, callback) {
      callback(null, { weights: master.roleConfig.listWeights() });
    },
    UpdateWeights(call, callback) {
      master.roleConfig.updateWeights(call.request.weights).then(
        (weights) => callback(null, { weights }),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
    GetQuota(_call, callback) {
      callback(null, { quotas: master.roleConfig.listQuotas() });
    },
    UpdateQuota(call, callback) {
      master.roleConfig.updateQuotas(call.request.quotas, call.request.force).then(
        (quotas) => callback(null, { quotas }),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
    MarkAgentGone(call, callback) {
      master.markAgentGone(call.request.agentId).then(
        (gone) => callback(null, gone),
        (err: unknown) => callback(TandemError.from(err).toGrpcStatus()),
      );
    },
  };
}
