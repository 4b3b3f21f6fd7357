import { hostname } from 'node:os';

/** What `tandem up` started, for its banner. */
export interface UpEndpoints {
  bind: string;
  masterAddress: string;
  /** The master's HTTP port (its API and the web UI at `/`); -1 when off. */
  httpPort: number;
  /** -1 when not started. */
  appsPort: number;
  jobsPort: number;
  agentId: string | undefined;
  /** -1 when off. */
  agentHttpPort: number;
  containerizers: readonly string[];
  keepTasks: boolean;
}

/** The host a URL names: the bound one, or this machine's name when every interface is bound. */
export function urlHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') return hostname();
  return bind.includes(':') ? `[${bind}]` : bind;
}

/** One banner with every URL `tandem up` serves, aligned, and how to stop. */
export function upBanner(e: UpEndpoints): string {
  const host = urlHost(e.bind);
  const http = (port: number, path = ''): string => `http://${host}:${port}${path}`;
  const rows: [string, string][] = [];
  if (e.httpPort >= 0) rows.push(['UI', http(e.httpPort, '/')]);
  rows.push(['master', `${e.masterAddress} (gRPC: tandem tasks --master ${e.masterAddress})`]);
  if (e.httpPort >= 0) rows.push(['master API', http(e.httpPort, '/api/v1/state')]);
  if (e.appsPort >= 0) rows.push(['apps', `${http(e.appsPort)} (Marathon API: /v2/apps)`]);
  if (e.jobsPort >= 0) rows.push(['jobs', `${http(e.jobsPort)} (Metronome API: /v1/jobs)`]);
  rows.push([
    'agent',
    `${e.agentId ?? '(registering)'} with ${e.containerizers.join(',')}${e.agentHttpPort >= 0 ? `, ${http(e.agentHttpPort, '/api/v1/state')}` : ''}`,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const stop = e.keepTasks ? 'Ctrl-C stops the cluster (its tasks keep running: --keep-tasks)' : 'Ctrl-C stops the cluster and kills its tasks';
  return `tandem up: ready. ${stop}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}
