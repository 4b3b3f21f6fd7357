// The setup bench:failover and bench:memory share: a master process, N hollow agents and
// one framework whose T tasks run until killed, all RUNNING before the bench proper starts.
import { join } from 'node:path';
import { launchTasks, note, round, startHollow, startMasterProcess } from './harness.mjs';

export async function startRunningCluster({
  dir,
  agents,
  tasks,
  resources,
  port = 0,
  httpPort,
  failoverTimeoutSeconds = 0,
  onUpdate,
  hollowExecArgv = [],
  masterExecArgv = [],
}) {
  const masterDir = join(dir, 'master');
  const master = await startMasterProcess({ port, workDir: masterDir, ...(httpPort === undefined ? {} : { httpPort }) }, { execArgv: masterExecArgv });
  const handle = { master, masterDir, hollow: undefined, driver: undefined };
  try {
    note(`master on ${master.address}; starting ${agents} hollow agents`);
    handle.hollow = await startHollow({ master: master.address, count: agents, resources, workDir: join(dir, 'hollow'), execArgv: hollowExecArgv });
    note(`agents registered in ${round(handle.hollow.startSeconds)} s; launching ${tasks} tasks`);
    const run = await launchTasks({ master: master.address, tasks, perOffer: Math.ceil(tasks / agents), failoverTimeoutSeconds, onUpdate });
    handle.driver = run.driver;
    note(`${tasks} tasks running after ${round(run.seconds)} s (${Math.round(tasks / run.seconds)} tasks/s)`);
    handle.launchSeconds = run.seconds;
    handle.relaunched = run.relaunched;
    return handle;
  } catch (err) {
    await stopRunningCluster(handle);
    throw err;
  }
}

export async function stopRunningCluster(handle) {
  await handle.driver?.stop().catch(() => undefined);
  await handle.hollow?.stop().catch(() => undefined);
  await handle.master?.stop().catch(() => undefined);
}
