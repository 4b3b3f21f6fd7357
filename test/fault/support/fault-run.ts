/**
 * What every fault scenario starts with: an HA cluster of real processes, a framework (the
 * SDK, given every master) subscribed to it, and a LaunchWorkload keeping `tasks` logical
 * tasks running; all stopped after the test (`track`).
 */
import { SchedulerDriver } from '@tandem/framework-sdk';
import { track } from '../../support/cluster.js';
import { HaCluster, type HaClusterOptions } from './ha-cluster.js';
import { LaunchWorkload } from './launch-workload.js';

export interface FaultRun {
  cluster: HaCluster;
  driver: SchedulerDriver;
  frameworkId: string;
  workload: LaunchWorkload;
}

export async function startFaultRun(options: { name: string; tasks: number; cluster?: HaClusterOptions }): Promise<FaultRun> {
  const cluster = await HaCluster.start({ masters: 3, agents: 2, ...options.cluster });
  track(() => cluster.stop());
  const driver = new SchedulerDriver({
    master: cluster.masterList,
    framework: { name: options.name, failoverTimeoutSeconds: 600 },
    reconnect: { initialMs: 100, maxMs: 1_000 },
  });
  await driver.start();
  track(() => driver.stop());
  const workload = new LaunchWorkload(driver, { count: options.tasks });
  track(() => workload.stop());
  return { cluster, driver, frameworkId: driver.frameworkId as string, workload };
}
