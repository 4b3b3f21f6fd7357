import { type Offer, Resources } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { matchTasks } from './match-tasks.js';
import type { TaskSpec } from './task-info.js';

function offer(id: string, text: string, agentId = `agent-${id}`): Offer {
  const resources = Resources.parse(text).toWire() as Offer['resources'];
  return { id, frameworkId: 'f1', agentId, hostname: 'h', resources, attributes: [], unavailability: null };
}

const spec = (id: string, cpus: number, mem: number, ports = 0): TaskSpec => ({ id, cpus, mem, ports, argv: ['true'] });

describe('matchTasks', () => {
  it('matching - packs first fit in order and returns leftovers and unused offers', () => {
    const offers = [offer('o1', 'cpus:1;mem:100'), offer('o2', 'cpus:2;mem:1000'), offer('o3', 'cpus:1;mem:10')];
    const r = matchTasks(offers, [spec('a', 0.5, 50), spec('b', 0.5, 50), spec('c', 0.5, 50), spec('d', 4, 10)]);
    expect(r.matches.map((m) => [m.offer.id, m.tasks.map((t) => t.taskId)])).toEqual([
      ['o1', ['a', 'b']],
      ['o2', ['c']],
    ]);
    expect(r.matches[1]?.tasks[0]?.agentId).toBe('agent-o2');
    expect(r.leftovers.map((s) => s.id)).toEqual(['d']);
    expect(r.unused.map((o) => o.id)).toEqual(['o3']);
  });

  it('matching - gives each task distinct ports and skips offers without enough', () => {
    const offers = [offer('o1', 'cpus:4;mem:400;ports:[31000-31002]'), offer('o2', 'cpus:4;mem:400;ports:[32000-32010]')];
    const r = matchTasks(offers, [spec('a', 0.1, 10, 2), spec('b', 0.1, 10, 2), spec('c', 0.1, 10, 1)]);
    const ports = (id: string) => Resources.fromWire(r.matches.flatMap((m) => m.tasks).find((t) => t.taskId === id)?.resources).ports;
    expect(ports('a')).toEqual([{ begin: 31000, end: 31001 }]);
    expect(ports('b')).toEqual([{ begin: 32000, end: 32001 }]);
    expect(ports('c')).toEqual([{ begin: 31002, end: 31002 }]);
    expect(r.leftovers).toEqual([]);
  });
});
