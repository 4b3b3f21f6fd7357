import { componentLogger, type SchedulerHandlers, TandemError } from '@tandem/protocol';
import { FrameworkStream } from './framework-stream.js';
import type { MasterOperations } from './master-operations.js';

const log = componentLogger('scheduler-service');

/** gRPC handlers of the Scheduler service: transport only, the logic is the master's. */
export function schedulerHandlers(master: MasterOperations): SchedulerHandlers {
  return {
    Subscribe(call) {
      const stream = new FrameworkStream(call, () => master.mayAct());
      let onClose: (() => void) | undefined;
      let closed = false;
      const close = (): void => {
        if (closed) return;
        closed = true;
        onClose?.();
      };
      call.on('cancelled', close);
      call.on('close', close);
      call.on('error', close);
      master
        .subscribe(
          stream,
          (cb) => {
            onClose = cb;
            if (closed) cb();
          },
          call.request,
          master.auth.principalOf(call),
        )
        .catch((err: unknown) => {
          const e = TandemError.from(err);
          log.info({ err: e.message, code: e.code }, 'subscription refused');
          call.emit('error', e.toGrpcStatus());
        });
    },
    Call(call, callback) {
      master.call(call.request, master.auth.principalOf(call)).then(
        (res) => callback(null, res),
        (err: unknown) => {
          const e = TandemError.from(err);
          if (e.code === 'UNKNOWN' || e.code === 'INTERNAL') log.error({ err }, 'scheduler call failed unexpectedly');
          callback(e.toGrpcStatus());
        },
      );
    },
  };
}
