import { describe, expect, it } from 'vitest';
import { tandemV1 } from './loader.js';

// Two hot paths move protobuf bytes by hand instead of through the generated codec:
// the agent writes a registration's tasks from kept bytes (packages/agent/src/agent-stream.ts)
// and the master reads a register without decoding its TaskInfos (packages/master/src/agent-wire.ts).
// They know these field numbers, and they write or rebuild Task and RegisterAgent whole.
// A field added to, or renumbered in, one of these messages would be dropped or misread
// there without a compile error: this test fails first. Change that code, then this list.

type Descriptor = { field: { number: number; name: string }[] };
const fields = (message: string): string[] => {
  const type = (tandemV1() as unknown as Record<string, { type: Descriptor }>)[message]?.type;
  return (type?.field ?? []).map((f) => `${f.number}:${f.name}`);
};

describe('wire layout', () => {
  it('wire layout - the messages the agent and master handle as bytes have the fields that code knows', () => {
    // Written or rebuilt whole, field by field: every field must be known.
    expect(fields('Task')).toEqual(['1:info', '2:frameworkId', '3:state', '4:status']);
    expect(fields('RegisterAgent')).toEqual(['1:agentInfo', '2:tasks', '3:frameworks']);
    // Only navigated: the fields followed must keep their numbers.
    expect(fields('AgentMessage').slice(0, 2)).toEqual(['1:register', '2:statusUpdates']);
    expect(fields('MasterMessage')[1]).toBe('2:launchTasks');
    expect(fields('LaunchTasks')[1]).toBe('2:tasks');
    expect(fields('StatusUpdates')[0]).toBe('1:updates');
    expect(fields('StatusUpdate')[0]).toBe('1:status');
    expect(fields('TaskInfo').slice(0, 4)).toEqual(['1:taskId', '2:name', '3:agentId', '4:resources']);
  });
});
