import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from './support/cluster.js';
import { startUp } from './support/up.js';

// `tandem up` listens on 127.0.0.1 unless told otherwise (issue #11, item 4): every
// listening TCP socket the process holds, read from /proc, is on the loopback address.

afterEach(cleanup);

/** The local `address:port` of every listening TCP socket process `pid` holds (IPv4 and IPv6), from /proc. */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address, rem_address, st (0A = LISTEN), ..., inode (10th field)
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      const [hex, portHex] = f[1]!.split(':') as [string, string];
      found.push(`${decodeAddress(hex)}:${Number.parseInt(portHex, 16)}`);
    }
  }
  return found;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  if (hex === '00000000000000000000000000000000') return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return `[${hex}]`;
}

async function up(extra: string[]): Promise<{ pid: number; output: () => string }> {
  const p = await startUp(extra, 'tandem-up-bind-');
  return { pid: p.child.pid!, output: p.output };
}

describe('tandem up', () => {
  it('up - every listener is on 127.0.0.1 by default; --bind 0.0.0.0 exposes them and warns; the web UI is told the apps and jobs URLs', async () => {
    const local = await up([]);
    const sockets = listeningSockets(local.pid);
    // master gRPC and HTTP, agent HTTP, apps, jobs
    expect(sockets.length).toBeGreaterThanOrEqual(5);
    for (const s of sockets) expect(s).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(local.output()).not.toContain('WARNING');
    // The web UI is told where apps and jobs are (its Apps and Jobs pages), once they are up.
    const banner = (name: string): string => new RegExp(`\\n {2}${name} +(http://\\S+?)/?(?: |\\n)`).exec(local.output())?.[1] ?? `no ${name} URL`;
    const config = (await (await fetch(`${banner('UI')}/api/v1/ui/config`)).json()) as { appsUrl?: string; jobsUrl?: string };
    expect(config.appsUrl).toBe(banner('apps'));
    expect(config.jobsUrl).toBe(banner('jobs'));
    expect(config.appsUrl).not.toBe(config.jobsUrl);

    const exposed = await up(['--bind', '0.0.0.0']);
    const open = listeningSockets(exposed.pid);
    expect(open.length).toBeGreaterThanOrEqual(5);
    for (const s of open) expect(s).toMatch(/^0\.0\.0\.0:\d+$/);
    // Bound to every interface, the master reaches apps and jobs on the loopback address, on their ports.
    const port = (name: string): string => new RegExp(`\\n {2}${name} +http://\\S+?:(\\d+)`).exec(exposed.output())?.[1] ?? `no ${name} port`;
    const links = (await (await fetch(`http://127.0.0.1:${port('UI')}/api/v1/ui/config`)).json()) as { appsUrl?: string; jobsUrl?: string };
    expect(links).toMatchObject({ appsUrl: `http://127.0.0.1:${port('apps')}`, jobsUrl: `http://127.0.0.1:${port('jobs')}` });
    expect(exposed.output()).toMatch(/WARNING: --bind 0\.0\.0\.0 exposes the cluster.*unless --http-credentials/);
  });
});
