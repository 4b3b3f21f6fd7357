import { statfs } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { Resources } from '@tandem/protocol';

const MiB = 1024 * 1024;
const DEFAULT_PORTS = [{ begin: 31000, end: 32000 }];

/** Memory kept back for the OS and the agent: max(1 GiB, 10%) of the total. */
export function memReserveMiB(totalMiB: number): number {
  return Math.max(1024, Math.floor(totalMiB * 0.1));
}

/** Disk kept back: max(5 GiB, 10%) of what is free. */
export function diskReserveMiB(freeMiB: number): number {
  return Math.max(5 * 1024, Math.floor(freeMiB * 0.1));
}

/**
 * What this machine offers: cpus = logical cores, mem = total MiB minus a reserve,
 * disk = free MiB of the work directory's filesystem minus a reserve, ports 31000-32000.
 * `only` limits the probing to those names (os.cpus() and statfs are not free when
 * thousands of hollow agents start in one process).
 */
export async function detectResources(workDir: string, only?: ReadonlySet<string>): Promise<Resources> {
  const want = (name: string): boolean => only === undefined || only.has(name);
  const memMiB = want('mem') ? Math.floor(totalmem() / MiB) : 0;
  let diskMiB = 0;
  if (want('disk')) {
    try {
      const fs = await statfs(workDir);
      diskMiB = Math.floor((fs.bavail * fs.bsize) / MiB);
    } catch {
      diskMiB = 0;
    }
  }
  return Resources.of({
    ...(want('cpus') ? { cpus: cpus().length } : {}),
    ...(want('mem') ? { mem: Math.max(0, memMiB - memReserveMiB(memMiB)) } : {}),
    ...(want('disk') ? { disk: Math.max(0, diskMiB - diskReserveMiB(diskMiB)) } : {}),
    ports: DEFAULT_PORTS,
  });
}

/** The resource names a Mesos-syntax text names, given or not zero (`cpus:0` counts). */
export function namesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const part of text.split(';')) {
    const idx = part.indexOf(':');
    if (idx > 0) names.add(part.slice(0, idx).trim());
  }
  return names;
}

/**
 * The agent's total resources: those named in `override` (Mesos syntax, e.g.
 * `cpus:2;mem:2048`) as given, every other standard one (cpus, mem, disk, ports)
 * auto-detected.
 */
export function mergeResources(detected: Resources, overrideText: string): Resources {
  const override = Resources.parse(overrideText, 'resources');
  const given = namesIn(overrideText);
  let out = override;
  for (const name of ['cpus', 'mem', 'disk']) {
    if (!given.has(name)) out = out.add(Resources.of({ [name]: detected.scalar(name) }));
  }
  if (!given.has('ports')) out = out.add(Resources.of({ ports: detected.ports }));
  return out;
}

export async function resolveResources(workDir: string, override: string | undefined): Promise<Resources> {
  if (override === undefined || override.trim() === '') return detectResources(workDir);
  const given = namesIn(override);
  const detected = await detectResources(workDir, new Set(['cpus', 'mem', 'disk'].filter((n) => !given.has(n))));
  return mergeResources(detected, override);
}
