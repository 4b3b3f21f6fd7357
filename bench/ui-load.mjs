// bench:ui-load — the web UI against a large cluster: a real master (its own process, HTTP
// API and UI on), N hollow agents (`tandem hollow`, one process) and one SDK framework whose
// M hollow tasks run until killed. With every task RUNNING it measures:
// - the UI's JSON (`/api/v1/ui/overview`, a page of agents, a page of tasks): p50/p99 ms
//   over --requests sequential requests each;
// - the overview and the tasks page in headless Chromium (Debian's, through playwright-core):
//   ms from navigation start until the page shows its numbers / its first rows, median of
//   --loads fresh page loads;
// - the master's CPU while 0 and while --uis pages (the overview, live on /api/v1/events)
//   watch: first idle for --window seconds, then while --churn tasks are killed (each kill
//   is a task_updated event every UI hears), so the cost of the watchers shows.
// Every measure starts once the master has settled after the launch (under 5% of a core
// for 2 s), so the launch's acknowledgements are not counted.
//
// Flags: --agents N (10000) --tasks M (100000) --uis U (5) --window S (15) --churn C (5000)
// --requests R (30) --loads L (5) --chromium PATH (/usr/bin/chromium) --quick.
// Needs `npm run build` first (the UI bundle) and Debian's chromium.
import { chromium } from 'playwright-core';
import { note, out, parseFlags, percentile, removeDir, round, sleep, tempDir, waitUntil } from './lib/harness.mjs';
import { cpuMsOf } from './lib/proc-cpu.mjs';
import { startRunningCluster, stopRunningCluster } from './lib/running-cluster.mjs';

const args = parseFlags(
  process.argv.slice(2),
  {
    agents: 10000,
    tasks: 100000,
    uis: 5,
    window: 15,
    churn: 5000,
    requests: 30,
    loads: 5,
    chromium: process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium',
    resources: 'cpus:8;mem:16384;ports:[31000-32000]',
  },
  { agents: 50, tasks: 500, window: 3, churn: 100, requests: 5, loads: 2, uis: 2 },
);

/** p50/p99 ms of `n` sequential GETs of `url` (each reads the whole body). */
async function timeGets(url, n) {
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url);
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 200)}`);
    ms.push(performance.now() - t);
    bytes = text.length;
  }
  ms.sort((a, b) => a - b);
  return { p50_ms: round(percentile(ms, 50)), p99_ms: round(percentile(ms, 99)), bytes };
}

/** Median ms from navigation start until `ready` holds in a fresh page, over `n` loads. */
async function timeLoads(browser, url, ready, n) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const page = await browser.newPage();
    try {
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForFunction(ready, undefined, { timeout: 60_000, polling: 'raf' });
      ms.push(await page.evaluate(() => performance.now()));
    } finally {
      await page.close();
    }
  }
  ms.sort((a, b) => a - b);
  return round(percentile(ms, 50));
}

/** The master's CPU, as a share of one core, over `seconds` while `during` runs (if given). */
async function masterCpu(pid, seconds, during) {
  const c0 = cpuMsOf(pid);
  const t0 = performance.now();
  const work = during ? during() : Promise.resolve();
  await Promise.all([work, sleep(seconds * 1000)]);
  const wall = performance.now() - t0;
  return round((cpuMsOf(pid) - c0) / wall, 3);
}

/** Waits (at most `maxSeconds`) until the master spends under 5% of a core over 2 s: the launch's acknowledgements are done. */
async function settle(pid, maxSeconds = 120) {
  const end = performance.now() + maxSeconds * 1000;
  for (;;) {
    const share = await masterCpu(pid, 2);
    if (share < 0.05 || performance.now() > end) return share;
  }
}

const overviewReady = () => {
  const n = document.querySelector('[data-testid=tasks-running]')?.textContent?.trim();
  return n !== undefined && n !== '' && n !== '0';
};
const tasksReady = () => document.querySelectorAll('main table tbody tr').length > 0;

const dir = tempDir('tandem-bench-ui-');
let cluster;
let browser;
try {
  cluster = await startRunningCluster({ dir, agents: args.agents, tasks: args.tasks, resources: args.resources, httpPort: 0 });
  const { master, driver } = cluster;
  const http = master.http;
  if (!http) throw new Error('the master did not start its HTTP API');
  const running = [];
  for (let i = 0; i < args.tasks; i++) running.push(`t${i}`);

  note('waiting for the master to settle');
  const settled = await settle(master.pid);
  note(`master CPU with no UI: idle ${args.window} s`);
  const cpuIdle0 = await masterCpu(master.pid, args.window);

  note('timing the UI JSON');
  const json = {
    overview: await timeGets(`${http}/api/v1/ui/overview`, args.requests),
    agents_page: await timeGets(`${http}/api/v1/ui/agents?offset=0&limit=50`, args.requests),
    tasks_page: await timeGets(`${http}/api/v1/ui/tasks?state=running&offset=${Math.floor(args.tasks / 2)}&limit=50`, args.requests),
  };

  browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  note('timing page loads in Chromium');
  const overviewMs = await timeLoads(browser, `${http}/`, overviewReady, args.loads);
  const tasksMs = await timeLoads(browser, `${http}/#/tasks`, tasksReady, args.loads);

  // Kills `count` tasks as fast as the master takes them, waiting for their TASK_KILLED.
  const churn = async (count) => {
    const ids = running.splice(0, count);
    const left = new Set(ids);
    const done = new Promise((resolve) => {
      const off = driver.onUpdate((s) => {
        if (s.state === 'TASK_KILLED' && left.delete(s.taskId) && left.size === 0) {
          off();
          resolve();
        }
      });
    });
    // Paced under the master's per-host call rate (1,000/s by default: --rate-limit); a
    // call refused for it (RESOURCE_EXHAUSTED) is sent again after the wait it names.
    const kill = async (id) => {
      for (;;) {
        try {
          return await driver.kill(id);
        } catch (err) {
          if (err.code !== 'RESOURCE_EXHAUSTED') throw err;
          await sleep(Math.max(10, Number(err.cause?.metadata?.get?.('retry-after-ms')?.[0]) || 100));
        }
      }
    };
    for (let i = 0; i < ids.length; i += 500) {
      const started = performance.now();
      await Promise.all(ids.slice(i, i + 500).map(kill));
      await sleep(Math.max(0, 600 - (performance.now() - started)));
    }
    await done;
  };

  note(`master CPU with no UI: ${args.churn} kills`);
  const cpuChurn0 = await masterCpu(master.pid, args.window, () => churn(args.churn));

  note(`opening ${args.uis} live overview pages`);
  const pages = [];
  for (let i = 0; i < args.uis; i++) {
    const page = await browser.newPage();
    await page.goto(`${http}/`);
    await page.waitForFunction(overviewReady, undefined, { timeout: 60_000 });
    pages.push(page);
  }
  await settle(master.pid, 30);
  const cpuIdleN = await masterCpu(master.pid, args.window);
  const cpuChurnN = await masterCpu(master.pid, args.window, () => churn(args.churn));
  // Each page must have seen the kills: its running count went down by 2 × churn.
  const expected = args.tasks - 2 * args.churn;
  await waitUntil(
    async () => {
      for (const p of pages) {
        const text = await p.locator('[data-testid=tasks-running]').textContent();
        if (Number((text ?? '').replace(/\D/g, '')) !== expected) return false;
      }
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: `every UI showing ${expected} running tasks` },
  );

  out({
    bench: 'ui-load',
    agents: args.agents,
    tasks: args.tasks,
    uis: args.uis,
    overview_render_ms: overviewMs,
    tasks_page_render_ms: tasksMs,
    json,
    window_s: args.window,
    master_cpu_settled: settled,
    churn_kills: args.churn,
    master_cpu_idle_no_ui: cpuIdle0,
    master_cpu_idle_with_uis: cpuIdleN,
    master_cpu_churn_no_ui: cpuChurn0,
    master_cpu_churn_with_uis: cpuChurnN,
    agents_start_s: round(cluster.hollow.startSeconds),
    launch_s: round(cluster.launchSeconds),
    relaunched: cluster.relaunched,
  });
} finally {
  await browser?.close().catch(() => undefined);
  if (cluster) await stopRunningCluster(cluster);
  removeDir(dir);
}
