import { ValidationError } from '@tandem/protocol';

/** Where a component keeps its state, as `--store` names it. */
export type StoreLocation = { readonly kind: 'file'; readonly dir: string } | { readonly kind: 'nats'; readonly servers: readonly string[] };

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Reads a `--store` value: `file:DIR` (the embedded file store; what `--work-dir` gives), or
 * `nats://h1:4222,h2:4222,h3:4222` (a NATS JetStream KV bucket, replicated by the servers; a
 * port may be left out for 4222). A bad value is a ValidationError naming `field`.
 */
export function parseStoreUrl(value: string, field = 'store'): StoreLocation {
  if (value.startsWith('file:')) {
    const dir = value.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (dir === '') throw new ValidationError(field, 'file: needs a directory, e.g. file:/var/lib/tandem/master');
    return { kind: 'file', dir };
  }
  if (value.startsWith('nats://')) {
    const servers = value
      .slice('nats://'.length)
      .split(',')
      .map((s) => s.trim().replace(/^nats:\/\//, ''));
    for (const s of servers) {
      const hostPort = s.includes(':') && !s.endsWith(']') ? s : `${s}:4222`;
      const m = HOST_PORT.exec(hostPort);
      const port = m ? Number(m[2]) : 0;
      if (!m || port < 1 || port > 65535) throw new ValidationError(field, `'${s}' is not a NATS server host[:port] (in ${value})`);
    }
    return { kind: 'nats', servers: servers.map((s) => `nats://${s.includes(':') && !s.endsWith(']') ? s : `${s}:4222`}`) };
  }
  throw new ValidationError(field, `'${value}' is neither file:DIR nor nats://host:port[,host:port...]`);
}
