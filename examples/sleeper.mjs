// A scheduler in a few dozen lines: launches N tasks that sleep, exits when all have ended.
//   npx tsc -b packages/framework-sdk && node examples/sleeper.mjs [MASTER] [N]
import { isTerminal, matchTasks, SchedulerDriver } from '@tandem/framework-sdk';

const master = process.argv[2] ?? '127.0.0.1:5050';
const count = Number(process.argv[3] ?? 3);
let pending = Array.from({ length: count }, (_, i) => ({
  id: `sleeper-${i}`,
  cpus: 0.1,
  mem: 32,
  argv: ['sleep', '2'],
}));
let running = 0;
let failed = 0;

const driver = new SchedulerDriver({ master, framework: { name: 'sleeper' } });
process.once('SIGINT', () => void driver.teardown());

driver.onOffers(async (offers) => {
  const { matches, leftovers, unused } = matchTasks(offers, pending);
  pending = leftovers;
  for (const { offer, tasks } of matches) {
    running += tasks.length;
    await driver.launch(offer, tasks);
  }
  if (unused.length > 0)
    await driver.decline(
      unused.map((o) => o.id),
      pending.length > 0 ? 5 : 3600,
    );
  if (pending.length === 0) await driver.suppress();
});

driver.onUpdate(async (status) => {
  console.log(`${status.taskId} ${status.state}${status.message ? ` (${status.message})` : ''}`);
  if (!isTerminal(status.state)) return;
  running -= 1;
  if (status.state !== 'TASK_FINISHED') failed += 1;
  if (running === 0 && pending.length === 0) await driver.teardown();
});

const subscribed = await driver.start();
console.log(`subscribed as ${subscribed.frameworkId}; launching ${count} sleepers`);
const err = await driver.closed();
if (err) console.error(`driver failed: ${err.message}`);
process.exitCode = err || failed > 0 ? 1 : 0;
