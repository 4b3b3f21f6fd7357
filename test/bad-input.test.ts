import { Resources, SchedulerDriver, type TaskInfoInit, taskInfo } from '@tandem/framework-sdk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dockerAvailable, recorder, startAgent, startDriver, startMaster, track, waitFor } from './support/cluster.js';

// Bad input against a real master and agent: each gets a clear error or a task state
// with a reason, the master keeps serving, and a task already running is not disturbed.

afterEach(cleanup);
let docker = false;
beforeAll(async () => {
  docker = await dockerAvailable();
});

describe('bad input', () => {
  it('bad input - every kind is refused clearly while a running task carries on', async () => {
    const master = await startMaster();
    const agent = await startAgent(master, { containerizers: docker ? ['docker', 'process'] : ['process'] });
    const driver = await startDriver(master);
    const rec = recorder(driver);
    const used = new Set<string>();
    const take = async () => {
      const o = await waitFor(() => rec.offers.find((x) => !used.has(x.id)), 'a fresh offer');
      used.add(o.id);
      return o;
    };
    let offer = await take();
    await driver.launch(offer, [taskInfo({ id: 'bystander', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, offer)], { refuseSeconds: 0 });
    await waitFor(() => rec.states('bystander').includes('TASK_RUNNING'), 'the bystander running');

    // Malformed and unknown offer ids: the call fails, naming the field.
    await expect(driver.accept([''], [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/offer_ids\[0\]/) });
    await expect(driver.accept(['no-such-offer'], [])).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/unknown or no longer valid/),
    });
    await expect(driver.decline(['no-such-offer'])).rejects.toMatchObject({ code: 'NOT_FOUND' });

    offer = await take();
    const base = (id: string): TaskInfoInit => taskInfo({ id, cpus: 0.1, mem: 32, argv: ['true'] }, offer);
    const bad: TaskInfoInit[] = [
      {
        ...base('nan'),
        resources: [
          { name: 'cpus', scalar: Number.NaN },
          { name: 'mem', scalar: 32 },
        ],
      },
      {
        ...base('negative'),
        resources: [
          { name: 'cpus', scalar: -1 },
          { name: 'mem', scalar: 32 },
        ],
      },
      { ...base('too-big'), resources: Resources.parse('cpus:64;mem:32').toWire() },
      { ...base('bad-port'), resources: Resources.parse('cpus:0.1;mem:32;ports:[80-80]').toWire() },
      base('bystander'),
    ];
    const res = await driver.launch(offer, bad, { refuseSeconds: 0 });
    expect(res.launched).toBe(0);
    const errors = await waitFor(() => {
      const e = rec.updates.filter((u) => u.state === 'TASK_ERROR');
      return e.length >= 5 ? e : undefined;
    }, 'TASK_ERROR for each bad task');
    const msg = (id: string) => errors.find((e) => e.taskId === id)?.message ?? '';
    expect(msg('nan')).toMatch(/scalar: must be a finite number/);
    expect(msg('negative')).toMatch(/must not be negative/);
    expect(msg('too-big')).toMatch(/short of cpus/);
    expect(msg('bad-port')).toMatch(/short of ports/);
    expect(msg('bystander')).toMatch(/already exists/);

    // An unknown framework id: refused at subscription.
    const stranger = new SchedulerDriver({ master: master.address, framework: { name: 'x', id: 'fw-does-not-exist' } });
    track(() => stranger.stop());
    await expect(stranger.start()).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/not known/) });

    // A role the allocator could not take (an empty segment): refused before it reaches the registry.
    const badRole = new SchedulerDriver({ master: master.address, framework: { name: 'x', roles: ['a/'] } });
    track(() => badRole.stop());
    await expect(badRole.start()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'framework_info.roles[0]',
      message: expect.stringMatching(/not a valid role/),
    });

    // An image that does not exist (a registry on loopback that refuses connections).
    if (docker) {
      const fresh = await take();
      await driver.launch(fresh, [taskInfo({ id: 'no-image', cpus: 0.1, mem: 32, argv: ['true'], image: '127.0.0.1:9/tandem/missing:1' }, fresh)], {
        refuseSeconds: 0,
      });
      const failed = await waitFor(() => rec.updates.find((u) => u.taskId === 'no-image' && u.state === 'TASK_FAILED'), 'the pull failure', 60_000);
      expect(failed.reason).toBe('REASON_CONTAINER_PULL_FAILED');
      expect(failed.message).toMatch(/127\.0\.0\.1:9\/tandem\/missing/);
    }

    // The master still serves, and the bystander never noticed.
    const o = await take();
    await driver.launch(o, [taskInfo({ id: 'after', cpus: 0.1, mem: 32, argv: ['true'] }, o)], { refuseSeconds: 0 });
    await waitFor(() => rec.states('after').includes('TASK_FINISHED'), 'the later task finished');
    // The only TASK_ERROR under the bystander's id is the one refusing its duplicate
    // (as in Mesos, the refusal names the id it refused); the task itself never moved.
    const bystander = rec.updates.filter((u) => u.taskId === 'bystander');
    expect(bystander.filter((u) => u.state === 'TASK_ERROR').map((u) => u.message)).toEqual([expect.stringMatching(/already exists/)]);
    expect(bystander.filter((u) => u.state !== 'TASK_ERROR').map((u) => u.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(master.state().tasks?.find((t) => t.info?.taskId === 'bystander')?.state).toBe('TASK_RUNNING');
    expect(agent.tasks().find((t) => t.taskId === 'bystander')?.phase).toBe('running');
  });
});
