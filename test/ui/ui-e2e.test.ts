import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Master } from '@tandem/master';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApps } from '../support/apps.js';
import { cleanup, REPO, spawnTandem, startAgent, startDriver, startMaster, waitFor } from '../support/cluster.js';
import { startJobs } from '../support/jobs.js';

// The web UI in a real browser (issue #14, part 2): Debian's Chromium driven by
// playwright-core (scripts/test-env.sh installs it; no browser is downloaded) against a
// real master and agent, with tasks launched by `tandem execute`. Screenshots go to
// test-artifacts/ui/.

const CHROMIUM = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(REPO, 'test-artifacts', 'ui');

let master: Master;
let base: string;
let browser: Browser;
let context: BrowserContext;
/** Console errors and uncaught exceptions of every page (a CSP violation is one). */
const problems: string[] = [];

async function open(path: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`));
  await page.goto(`${base}/${path}`);
  return page;
}

// Browser-side expressions are passed as strings: the tests are type-checked without the DOM's types.
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  master = await startMaster();
  await startAgent(master, { containerizers: ['process'], hostname: 'e2e-host' });
  base = `http://127.0.0.1:${master.httpPort}`;
  // A framework that stays subscribed (tandem execute's leaves when it ends).
  // It asks for no offers, so that the launches get them.
  await startDriver(master, { name: 'e2e-framework', suppressedRoles: ['*'] });
  await waitFor(() => master.agents.size === 1, 'the agent registered');
  // Root in a container has no user namespace sandbox to give Chromium.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  context = await browser.newContext();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await cleanup();
});

describe('ui - in Chromium', () => {
  it('ui e2e - the overview loads with the agent, its bars and the live indicator, without errors', async () => {
    const page = await open('');
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('agents-total').textContent()).toBe('1');
    await expect.poll(() => page.getByTestId('live-status').textContent()).toBe('live');
    expect(await page.getByRole('link', { name: 'e2e-host' }).count()).toBe(1);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await shot(page, 'overview');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('ui e2e - a task launched by tandem execute shows on the open tasks page within 2 s without a reload, and its page streams its log', async () => {
    const page = await open('#/tasks');
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('live-status').textContent()).toBe('live');
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    spawnTandem(['execute', '--master', master.address, '--name', 'e2e-live', '--', 'sh', '-c', 'echo hello-from-e2e; sleep 2; echo bye-from-e2e']);
    // From the moment the master has the task to the moment its row is on the page.
    await waitFor(() => [...master.tasks.values()].some((t) => t.id.startsWith('e2e-live.')), 'the master has the task', 30_000, 10);
    const known = Date.now();
    const row = page.getByRole('link', { name: 'e2e-live' });
    await row.waitFor({ timeout: 2_000 });
    const shownAfterMs = Date.now() - known;
    expect(navigations).toBe(0);
    console.log(`ui e2e: the new task showed ${shownAfterMs} ms after the master had it`);
    await expect.poll(() => page.locator('tr', { has: row }).locator('.badge').textContent(), { timeout: 20_000 }).toBe('running');
    await shot(page, 'tasks');

    // Its page, reached by keyboard-free navigation (a click): the log arrives as it is written.
    await row.click();
    await page.getByRole('heading', { name: /Task e2e-live/, level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('log-text').textContent(), { timeout: 20_000 }).toContain('hello-from-e2e');
    await expect.poll(() => page.getByTestId('log-text').textContent(), { timeout: 20_000 }).toContain('bye-from-e2e');
    await expect.poll(() => page.getByTestId('log-status').textContent(), { timeout: 20_000 }).toBe('task ended');
    expect(navigations).toBe(1); // the click, nothing else
    await shot(page, 'task');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('ui e2e - agents, frameworks and events pages load; the keyboard reaches the content first', async () => {
    const page = await open('#/agents');
    // The first Tab stop of a page is "Skip to content"; Enter on it puts the focus on the main content.
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await page.getByRole('row', { name: /e2e-host/ }).waitFor();
    await shot(page, 'agents');
    await page.getByRole('link', { name: 'e2e-host' }).click();
    await page.getByRole('heading', { name: /e2e-host/, level: 1 }).waitFor();
    await shot(page, 'agent');
    await page.getByRole('link', { name: 'Frameworks' }).click();
    await page.getByRole('heading', { name: 'Frameworks and roles', level: 1 }).waitFor();
    await page.getByRole('row', { name: /e2e-framework/ }).waitFor();
    await shot(page, 'frameworks');
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    await shot(page, 'events');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('ui e2e - on a phone-sized screen the overview fits the width (no sideways scrolling) and keeps its navigation', async () => {
    const page = await open('', { width: 390, height: 844 });
    await expect.poll(() => page.getByTestId('agents-total').textContent()).toBe('1');
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'overview-phone');
    await page.goto(`${base}/#/tasks`);
    await page.getByRole('link', { name: 'e2e-live' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await shot(page, 'tasks-phone');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('ui e2e - Drain on an agent page kills its task within the grace and the agent says drained; Reactivate brings it back', async () => {
    spawnTandem(['execute', '--master', master.address, '--name', 'e2e-drain', '--', 'sleep', '120']);
    const task = await waitFor(
      () => [...master.tasks.values()].find((t) => t.id.startsWith('e2e-drain.') && t.state === 'TASK_RUNNING'),
      'e2e-drain running',
      30_000,
    );
    const page = await open(`#/agents/${encodeURIComponent(task.agentId)}`);
    const heading = page.getByRole('heading', { name: /e2e-host/, level: 1 });
    await heading.waitFor();
    await page.getByRole('link', { name: 'e2e-drain' }).waitFor();
    await page.getByLabel('Grace (seconds)').fill('1');
    await page.getByRole('button', { name: 'Drain' }).click();
    await expect.poll(() => heading.locator('.badge').textContent(), { timeout: 30_000 }).toBe('drained');
    const ended = [...master.tasks.values(), ...master.completed.values()].find((t) => t.id === task.id);
    expect(ended?.state).toBe('TASK_KILLED');
    await shot(page, 'agent-drained');
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(() => heading.locator('.badge').textContent(), { timeout: 20_000 }).toBe('active');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('ui e2e - with an apps API the Apps page deploys a JSON app, shows it running and scales it', async () => {
    const apps = await startApps(master);
    master.uiLinks.appsUrl = `http://127.0.0.1:${apps.port}`;
    const page = await open('#/apps');
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps' }).count()).toBe(1);
    await page.getByLabel('Deploy app (JSON)').fill(JSON.stringify({ id: '/e2e-web', cmd: 'sleep 300', cpus: 0.1, mem: 16, instances: 1 }));
    await page.getByRole('button', { name: 'Deploy app' }).click();
    const row = page.getByRole('row', { name: /e2e-web/ });
    await expect.poll(() => row.locator('td').first().textContent(), { timeout: 30_000 }).toBe('1 of 1');
    await row.getByLabel('Instances of /e2e-web').fill('2');
    await row.getByRole('button', { name: 'Scale' }).click();
    await expect.poll(() => row.locator('td').first().textContent(), { timeout: 30_000 }).toBe('2 of 2');
    expect([...master.tasks.values()].filter((t) => t.state === 'TASK_RUNNING' && t.id.startsWith('e2e-web')).length).toBe(2);
    await shot(page, 'apps');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('ui e2e - with a jobs API the Jobs page creates a JSON job, runs it now and shows the run in its history', async () => {
    const { jobs } = await startJobs(master);
    master.uiLinks.jobsUrl = jobs.url;
    const page = await open('#/jobs');
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    await page.getByLabel('Create job (JSON)').fill(JSON.stringify({ id: 'e2e-job', run: { cmd: 'echo from-a-job', cpus: 0.1, mem: 32, disk: 0 } }));
    await page.getByRole('button', { name: 'Create job' }).click();
    const row = page.getByRole('row', { name: /e2e-job/ });
    await row.waitFor();
    await row.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 30_000 }).toBe('1 succeeded, 0 failed');
    await shot(page, 'jobs');
    await page.close();
    expect(problems).toEqual([]);
  });
});
