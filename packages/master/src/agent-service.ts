import { type AgentHandlers, type AgentMessage, componentLogger, TandemError, ValidationError } from '@tandem/protocol';
import type { MasterOperations } from './master-operations.js';

const log = componentLogger('agent-service');

/** gRPC handler of the Agent service: one bidirectional stream per connected agent. */
export function agentHandlers(master: MasterOperations): AgentHandlers {
  return {
    Connect(call) {
      const link = master.newAgentLink(call);
      let agentId: string | undefined;
      let registering = false;
      let closed = false;
      // Messages that arrive while the registration is being persisted wait here.
      const early: AgentMessage[] = [];
      const fail = (err: unknown): void => {
        const e = TandemError.from(err);
        log.warn({ agentId, err: e.message }, 'agent stream refused');
        link.refuse(e.toGrpcStatus());
      };
      const handle = (msg: AgentMessage): void => {
        try {
          master.onAgentMessage(agentId as string, msg);
        } catch (err) {
          log.warn({ agentId, err: TandemError.from(err).message }, 'bad message from agent');
        }
      };
      call.on('data', (msg: AgentMessage) => {
        if (msg.message === 'register' && (agentId || registering)) {
          // One stream, one registration: a second one is refused and changes nothing (the
          // stream ends, as any lost stream does; the agent dials again and registers anew).
          fail(new ValidationError('register', 'this stream has already registered its agent; an agent sends register once, as the first message of a stream'));
          return;
        }
        if (agentId) return handle(msg);
        if (registering) {
          early.push(msg);
          return;
        }
        if (msg.message !== 'register' || !msg.register) {
          fail(new ValidationError('message', 'the first message on an agent stream must be register'));
          return;
        }
        registering = true;
        master.registerAgent(link, msg.register, master.auth.principalOf(call)).then((id) => {
          agentId = id;
          if (closed) {
            master.agentStreamClosed(id, link);
            return;
          }
          for (const m of early.splice(0)) handle(m);
        }, fail);
      });
      const onClosed = (): void => {
        if (closed) return;
        closed = true;
        if (agentId) master.agentStreamClosed(agentId, link);
      };
      call.on('end', () => {
        onClosed();
        link.end();
      });
      call.on('cancelled', onClosed);
      call.on('error', onClosed);
      call.on('close', onClosed);
    },
  };
}
