import { connect } from '@nats-io/transport-node';
import { componentLogger, type Logger } from '@tandem/protocol';
import { explainNatsConnectError, type NatsAccess, natsConnectOptions } from './nats-access.js';
import { DEFAULT_NATS_TIMEOUT_MS } from './nats-kv-store.js';

/** A plain NATS connection that publishes (core NATS, no JetStream): what event publishers need of it. */
export interface NatsPublisher {
  /** Hands one message to the client's buffer; throws once the connection has closed for good. */
  publish(subject: string, data: string | Uint8Array): void;
  /** Resolves once the server has everything published so far (a PING/PONG round trip). */
  flush(): Promise<void>;
  /** Flushes what is buffered (waiting at most the connect timeout) and closes. */
  close(): Promise<void>;
}

export interface NatsPublisherOptions {
  servers: string | readonly string[];
  /** TLS and credentials, as for the NATS store (`--store-credentials`, `tls://`). */
  access?: NatsAccess;
  /** The connection's name in the server's monitoring. */
  name: string;
  /** @default DEFAULT_NATS_TIMEOUT_MS */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * Connects to NATS for publishing, redialling for ever when the server goes away (what
 * is published meanwhile waits in the client's buffer). Fails with UNAVAILABLE, naming
 * the likely cause, when no server answers the first time.
 */
export async function openNatsPublisher(options: NatsPublisherOptions): Promise<NatsPublisher> {
  const log = options.logger ?? componentLogger('nats');
  const timeout = options.timeoutMs ?? DEFAULT_NATS_TIMEOUT_MS;
  let nc: Awaited<ReturnType<typeof connect>>;
  try {
    nc = await connect({
      ...natsConnectOptions(options.servers, options.access),
      name: options.name,
      timeout,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: Math.max(timeout, 2_000),
      maxPingOut: 2,
    });
  } catch (err) {
    throw await explainNatsConnectError(err, options.servers, options.access, options.name);
  }
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect')
        log.warn({ status: s.type, server: 'server' in s ? s.server : undefined }, `${options.name}: NATS ${s.type}`);
    }
  })().catch(() => undefined);
  return {
    publish: (subject, data) => nc.publish(subject, data),
    flush: () => nc.flush(),
    close: async () => {
      if (nc.isClosed()) return;
      await Promise.race([nc.drain().catch(() => undefined), new Promise((r) => setTimeout(r, timeout).unref())]);
      if (!nc.isClosed()) await nc.close();
    },
  };
}
