// A Tandem master in its own process, driven by its parent over IPC (benchmarks only).
// argv[2] is a JSON config: { port, workDir } to run a master, or { echo: true } to run a
// bare grpc-js echo server on the Agent.Connect stream (for the stream-rate baseline).
// IPC requests: {id, op: 'stats' | 'gc' | 'stop'} or {id, op: 'snapshot', path} (a V8 heap snapshot); replies: {id, ...}. On start it sends
// {op: 'started', port, httpPort}.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import * as grpc from '@grpc/grpc-js';
import { EventPublisher, HierarchicalAllocator, Master } from '@tandem/master';
import { SERVER_OPTIONS, tandemV1 } from '@tandem/protocol';
import { NatsKvStore, openNatsPublisher } from '@tandem/store';

const config = JSON.parse(process.argv[2] ?? '{}');
const reply = (msg) => process.send?.(msg);

/** RSS by kind of mapping (Linux): the malloc heap, anonymous maps, files. MiB. */
function rssByMapping() {
  let text;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const out = { brkHeap: 0, anon: 0, file: 0, anonMaps: 0 };
  let kind = 'anon';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1];
      kind = name === '[heap]' ? 'brkHeap' : name === '' || name.startsWith('[') ? 'anon' : 'file';
      if (kind === 'anon') out.anonMaps++;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) / 1024;
  }
  return { brkHeap: Math.round(out.brkHeap), anon: Math.round(out.anon), file: Math.round(out.file), anonMaps: out.anonMaps };
}

function mem() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

async function startEcho() {
  const server = new grpc.Server(SERVER_OPTIONS);
  server.addService(tandemV1().Agent.service, {
    Connect(call) {
      call.on('data', (msg) => {
        if (msg.pong) call.write({ ping: { seq: msg.pong.seq } });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    stop: async () => {
      server.forceShutdown();
    },
  };
}

async function startMaster() {
  // { ha: { servers, leaseTtlMs } }: one of several masters on a NATS store (bench:failover --ha).
  const ha = config.ha
    ? {
        store: await NatsKvStore.open({ servers: config.ha.servers, bucket: 'tandem-master', replicas: config.ha.replicas ?? 3 }),
        advertiseHost: '127.0.0.1',
        leaseTtlMs: config.ha.leaseTtlMs,
      }
    : undefined;
  const master = new Master({
    ...(ha ? { ha } : {}),
    host: '127.0.0.1',
    port: config.port ?? 0,
    // The HTTP API (and the web UI) only when asked for: { httpPort: 0 } binds any free port.
    httpPort: config.httpPort ?? -1,
    workDir: config.workDir,
    allocator: new HierarchicalAllocator(),
    agentPingIntervalMs: 30_000,
    frameworkHeartbeatMs: 30_000,
    maxCompletedTasks: config.maxCompletedTasks ?? 1000,
  });
  await master.start();
  // { nats: url }: the master's events published on NATS, as `tandem master --nats` does (bench:throughput --nats).
  const nats = config.nats ? await openNatsPublisher({ servers: config.nats, name: 'bench-master-events' }) : undefined;
  const publisher = nats ? new EventPublisher(nats) : undefined;
  if (publisher) {
    master.metrics.countPublished(publisher);
    publisher.attach(master);
  }
  return {
    port: master.grpcPort,
    httpPort: master.httpPort,
    stats: () => {
      let active = 0;
      for (const a of master.agents.values()) if (a.phase === 'ACTIVE') active++;
      let running = 0;
      for (const t of master.tasks.values()) if (t.state === 'TASK_RUNNING') running++;
      let connected = 0;
      for (const f of master.frameworks.values()) if (f.stream) connected++;
      return {
        agents: master.agents.size,
        active,
        tasks: master.tasks.size,
        running,
        frameworks: master.frameworks.size,
        connected,
        shed: master.callLimits.shed,
        ...(publisher ? { events: { published: Object.fromEntries(publisher.published), dropped: Object.fromEntries(publisher.dropped) } } : {}),
      };
    },
    // Counting 100k tasks each poll is itself work: the cheap form for tight polling.
    quick: () => {
      let active = 0;
      for (const a of master.agents.values()) if (a.phase === 'ACTIVE') active++;
      let connected = 0;
      for (const f of master.frameworks.values()) if (f.stream) connected++;
      return { active, tasks: master.tasks.size, connected, leading: master.mayAct() };
    },
    stop: async () => {
      await master.stop();
      await publisher?.stop();
      await nats?.close();
    },
  };
}

const server = config.echo ? await startEcho() : await startMaster();
process.on('message', async (msg) => {
  try {
    if (msg.op === 'stats') reply({ id: msg.id, ...(server.stats?.() ?? {}), ...mem() });
    else if (msg.op === 'quick') reply({ id: msg.id, ...(server.quick?.() ?? {}) });
    else if (msg.op === 'gc') {
      globalThis.gc?.();
      globalThis.gc?.();
      const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
      reply({ id: msg.id, gc: typeof globalThis.gc === 'function', ...mem(), spaces, mappings: rssByMapping() });
    } else if (msg.op === 'snapshot') {
      // After a full GC, so the snapshot holds what the gc op measures.
      globalThis.gc?.();
      reply({ id: msg.id, path: writeHeapSnapshot(msg.path) });
    } else if (msg.op === 'stop') {
      await server.stop();
      reply({ id: msg.id, stopped: true });
      process.disconnect?.();
      setTimeout(() => process.exit(0), 50);
    }
  } catch (err) {
    reply({ id: msg.id, error: String(err) });
  }
});
process.on('disconnect', () => {
  // The parent is gone: do not linger.
  setTimeout(() => process.exit(0), 100).unref();
});
reply({ op: 'started', port: server.port, httpPort: server.httpPort });
