import { spawnTandem, type TandemProcess, tempDir, waitFor } from './cluster.js';

/** `tandem up`'s flags for a cluster on free ports only (tests run side by side). */
export const UP_FREE_PORTS: readonly string[] = ['--port', '0', '--http-port', '0', '--jobs-port', '0', '--apps-port', '0', '--agent-http-port', '0'];

/** Whether `output` holds `tandem up`'s whole banner (its last line names the agent). */
export const bannerPrinted = (output: string): boolean => /\n {2}agent .*\n/.test(output);

/** `tandem up` on free ports in a fresh work dir, once it has printed its banner. */
export async function startUp(extra: readonly string[] = [], workDirPrefix = 'tandem-up-'): Promise<TandemProcess> {
  const p = spawnTandem(['up', '--work-dir', tempDir(workDirPrefix), ...UP_FREE_PORTS, ...extra]);
  await waitFor(() => bannerPrinted(p.output()), 'tandem up to print its banner', 60_000);
  return p;
}
