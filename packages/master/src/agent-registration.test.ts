import { type AgentMessageInit, type Logger, Resources } from '@tandem/protocol';
import { MemoryStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { Master } from './master.js';
import { ReregistrationTally } from './reregistration-tally.js';
import { sameJson } from './same-json.js';
import { ScriptedPeers } from './test-support/scripted-peers.js';

const peers = new ScriptedPeers();
afterEach(() => peers.stop());
const startMaster = (store: MemoryStore): Promise<Master> => peers.startMaster({ store });
/** Registers on a new stream and waits for `registered`; returns the agent id. */
const register = async (master: Master, reg: NonNullable<AgentMessageInit['register']>): Promise<string> => (await peers.agent(master, reg)).agentId;

describe('agent registration', () => {
  it('writes a changed agent info to the registry and leaves an unchanged one as it is', async () => {
    const store = new MemoryStore();
    const master = await startMaster(store);
    const info = {
      hostname: 'h1',
      resources: Resources.parse('cpus:4;mem:1024;ports:[31000-31010]').toWire(),
      attributes: [{ name: 'rack', text: 'r1' }],
      containerizers: ['docker'],
      version: '1',
    };
    const id = await register(master, { agentInfo: info });
    const first = await store.get<{ info: { hostname: string } }>(`agents/${id}`);
    expect(first?.value.info.hostname).toBe('h1');

    await register(master, { agentInfo: { ...info, id } });
    expect((await store.get(`agents/${id}`))?.revision).toBe(first?.revision);

    await register(master, { agentInfo: { ...info, id, attributes: [{ name: 'rack', text: 'r2' }] } });
    const changed = await store.get<{ info: { attributes: { text: string }[] } }>(`agents/${id}`);
    expect(changed?.revision).toBeGreaterThan(first?.revision ?? Number.POSITIVE_INFINITY);
    expect(changed?.value.info.attributes).toEqual([{ name: 'rack', text: 'r2' }]);
  });
});

describe('sameJson', () => {
  it('is true only for values JSON writes alike, in any key order', () => {
    const a = { id: 'x', resources: [{ name: 'cpus', scalar: 4, value: 'scalar' }], tags: ['a'] };
    expect(sameJson(a, JSON.parse(JSON.stringify(a)))).toBe(true);
    expect(sameJson(a, { tags: ['a'], resources: [{ value: 'scalar', scalar: 4, name: 'cpus' }], id: 'x' })).toBe(true);
    expect(sameJson(a, { ...a, extra: undefined })).toBe(true);
    expect(sameJson(a, { ...a, id: 'y' })).toBe(false);
    expect(sameJson(a, { ...a, resources: [{ name: 'cpus', scalar: 5, value: 'scalar' }] })).toBe(false);
    expect(sameJson(a, { ...a, tags: ['a', 'b'] })).toBe(false);
    expect(sameJson(a, { ...a, extra: 1 })).toBe(false);
    expect(sameJson({ ...a, extra: 1 }, a)).toBe(false);
    expect(sameJson({ n: null }, { n: 0 })).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
    // What it does not follow compares unequal (the caller writes again).
    expect(sameJson({ n: Number.NaN }, { n: Number.NaN })).toBe(false);
    expect(sameJson({ d: new Date(0) }, { d: new Date(0) })).toBe(false);
    expect(sameJson({ d: {} }, { d: new Date(0) })).toBe(false);
    expect(sameJson({ d: {} }, { d: { toJSON: () => 'x' } })).toBe(false);
  });
});

describe('ReregistrationTally', () => {
  it('logs the re-registrations counted since the last line as one line', () => {
    const lines: unknown[][] = [];
    const log = { info: (...args: unknown[]) => lines.push(args) } as unknown as Logger;
    const tally = new ReregistrationTally(log, 60_000);
    tally.count(10);
    tally.count(5);
    tally.flush();
    tally.flush();
    expect(lines).toEqual([[{ agents: 2, tasks: 15 }, 'agents re-registered']]);
    tally.count(0);
    tally.flush();
    expect(lines).toHaveLength(2);
  });
});
