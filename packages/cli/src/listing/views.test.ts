import { describe, expect, it } from 'vitest';
import { fixtureState } from './cluster-fixture.js';
import { renderListing } from './list-action.js';
import { bar, renderTop, topData } from './top-frame.js';
import { age, agentsListing, frameworksListing, rolesListing, tasksListing } from './views.js';

const ids = (rows: Record<string, unknown>[]): unknown[] => rows.map((r) => r.id);

describe('listing views', () => {
  it('views - tasks filter by state (any case, with or without TASK_), framework id or name, agent id or hostname', () => {
    const s = fixtureState();
    expect(ids(tasksListing(s).rows)).toEqual(['web.1', 'web.2', 'batch.1']);
    expect(ids(tasksListing(s, { state: 'running' }).rows)).toEqual(['web.1', 'batch.1']);
    expect(ids(tasksListing(s, { state: 'TASK_STAGING' }).rows)).toEqual(['web.2']);
    expect(ids(tasksListing(s, { framework: 'web' }).rows)).toEqual(['web.1', 'web.2']);
    expect(ids(tasksListing(s, { framework: 'f2' }).rows)).toEqual(['batch.1']);
    expect(ids(tasksListing(s, { agent: 'host-2' }).rows)).toEqual(['web.2', 'batch.1']);
    expect(ids(tasksListing(s, { agent: 'a1', framework: 'batch' }).rows)).toEqual([]);
    // A finished state, or --all, takes in the finished tasks.
    expect(ids(tasksListing(s, { state: 'finished' }).rows)).toEqual(['batch.0']);
    expect(ids(tasksListing(s, { all: true }).rows)).toEqual(['web.1', 'web.2', 'batch.1', 'batch.0']);
  });

  it('views - agents and frameworks count what live tasks hold; a framework share is its dominant share of the cluster', () => {
    const s = fixtureState();
    const agents = agentsListing(s, 1000);
    expect(agents.rows[1]).toMatchObject({
      id: 'a2',
      used: { cpus: 3, mem: 1536 },
      total: { cpus: 4, mem: 4096, disk: 1000 },
      tasks: 2,
      attributes: { rack: 'r1' },
    });
    expect(agents.cells[1]).toEqual(['a2', 'host-2', 'ACTIVE', '3/4', '1.5G/4G', '0M/1000M', '2', '100s']);
    const fws = frameworksListing(s);
    // web: 2 of 8 CPUs (25%), 2048 of 8192 MiB (25%); batch: 2 CPUs (25%), 512 MiB.
    expect(fws.rows.map((r) => [r.name, r.dominantShare, r.tasks])).toEqual([
      ['web', 0.25, 2],
      ['batch', 0.25, 1],
    ]);
    const roles = rolesListing(s);
    expect(roles.rows[0]).toMatchObject({ name: 'eng', weight: 2, frameworkIds: ['f1'], guarantee: { cpus: 2 } });
    expect(roles.cells[0]).toEqual(['eng', '2', '1', '2', '2G', '25%', 'cpus:2', '-']);
  });

  it('views - a table aligns its columns; --json is one document; an empty list says so', () => {
    const s = fixtureState();
    const table = renderListing(tasksListing(s, { state: 'running' }, 1000), {});
    expect(table.split('\n')).toEqual([
      'ID       NAME   STATE    FRAMEWORK  HOST    CPUS  MEM   UPDATED',
      'web.1    web    RUNNING  web        host-1  1     1G    0s',
      'batch.1  batch  RUNNING  batch      host-2  2     512M  0s',
      '',
    ]);
    expect(JSON.parse(renderListing(tasksListing(s), { json: true })).tasks).toHaveLength(3);
    expect(renderListing(tasksListing(s), { json: true, watch: true }).trimEnd().split('\n')).toHaveLength(1);
    expect(renderListing(tasksListing(s, { state: 'killed' }), {})).toBe('no tasks\n');
    // On a terminal: the header bold, states coloured; without the colours it is the same table.
    const colored = renderListing(tasksListing(s, { state: 'running' }, 1000), { color: true });
    expect(colored).toContain('\x1b[1mID\x1b[0m');
    expect(colored).toContain('\x1b[32mRUNNING\x1b[0m');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape is what is stripped
    expect(colored.replace(/\x1b\[\d+m/g, '')).toBe(table);
  });

  it('views - ages and bars', () => {
    const now = 1_000_000;
    expect([age(0), age(now - 10, now), age(now - 300, now), age(now - 3 * 3600, now), age(now - 3 * 86400, now)]).toEqual(['-', '10s', '5m', '3h', '3d']);
    expect(bar(0.5, 10)).toBe('[█████·····]');
    expect(bar(2, 4)).toBe('[████]');
    expect(bar(Number.NaN, 4)).toBe('[····]');
  });

  it('top - the cluster used of total, each agent, and the frameworks by dominant share', () => {
    const d = topData(fixtureState(), 1);
    expect(d.cluster).toEqual({ used: { cpus: 4, mem: 2560, disk: 0 }, total: { cpus: 8, mem: 8192, disk: 2000 } });
    expect(d.tasks).toEqual({ TASK_RUNNING: 2, TASK_STAGING: 1 });
    expect(d.topFrameworks.map((f) => f.name)).toEqual(['batch']); // 25% each: by name
    const screen = renderTop(d, new Date(0));
    expect(screen).toMatch(/2 agents, 2 frameworks, 3 tasks \(2 running\)/);
    expect(screen).toMatch(/^CPU {3}\[█{10}·{10}\] {2}50% {2}4\/8$/m);
    expect(screen).toMatch(/^a2\s+host-2\s+ACTIVE\s+\[█{8}··\]\s+3\/4/m);
  });
});
