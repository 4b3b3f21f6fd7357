import { nowSeconds, type OperatorHandlers, TandemError } from '@tandem/protocol';
import type { Master } from './master.js';

const HEARTBEAT_MS = 15_000;

/** gRPC handlers of the Operator service. */
export function operatorHandlers(master: Master): OperatorHandlers {
  return {
    GetState(_call, callback) {
      callback(null, master.state());
    },
    Watch(call) {
      call.write({ subscribed: master.state() });
      const unsubscribe = master.watch((event) => call.write(event), () => call.end());
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
  };
}
