import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { AgentMessageInit, MasterMessageInit } from './generated/friendly.js';
import { tandemV1 } from './loader.js';
import { messageCodec, protoRoot } from './message-codec.js';
import { wireCodecs } from './wire-codecs.js';

// The hot paths that keep embedded messages as bytes read and write them through the
// views of proto/tandem/v1/wire_views.proto (the master's Agent.Connect reader,
// packages/master/src/agent-wire.ts; the agent's registrations, packages/agent/src/agent-stream.ts).
// A view reads the same bytes as its message only while their fields agree: a field
// added to, renumbered in or retyped in the message and not in its view would be dropped
// or misread there without a compile error. This test compares them by reflection.

/** What is wrong with the views of `root` (`XView`: every field of X; `XHead`: some), one line each. */
function viewProblems(root: protobuf.Root, pkg: string): string[] {
  const problems: string[] = [];
  const ns = root.lookup(pkg);
  if (!(ns instanceof protobuf.Namespace)) return [`no package ${pkg}`];
  const views = ns.nestedArray.filter((t): t is protobuf.Type => t instanceof protobuf.Type && /(View|Head)$/.test(t.name));
  for (const view of views) {
    const whole = view.name.endsWith('View');
    const real = ns.lookup(view.name.replace(/(View|Head)$/, ''));
    if (!(real instanceof protobuf.Type)) {
      problems.push(`${view.name}: no message ${view.name.replace(/(View|Head)$/, '')}`);
      continue;
    }
    for (const field of view.fieldsArray) {
      const at = `${view.name}.${field.name} = ${field.id}`;
      const counterpart = real.fieldsById[field.id];
      if (!counterpart) {
        problems.push(`${at}: ${real.name} has no field ${field.id}`);
        continue;
      }
      if (counterpart.name !== field.name) problems.push(`${at}: ${real.name}'s field ${field.id} is ${counterpart.name}`);
      if (counterpart.repeated !== field.repeated || counterpart.map !== field.map || counterpart.packed !== field.packed) {
        problems.push(`${at}: cardinality differs from ${real.name}.${counterpart.name}`);
      }
      if (whole && counterpart.partOf?.name !== field.partOf?.name) problems.push(`${at}: oneof differs from ${real.name}.${counterpart.name}`);
      const viewType = field.resolvedType;
      const realType = counterpart.resolvedType;
      if (field.type === 'bytes' && realType instanceof protobuf.Type) continue; // a message's encoding
      if (viewType instanceof protobuf.Type && realType instanceof protobuf.Type && viewType !== realType) {
        const of = viewType.name.replace(/(View|Head)$/, '');
        if (of !== realType.name || viewType.name === of) problems.push(`${at}: ${viewType.name} is not a view of ${realType.name}`);
        else if (whole && !viewType.name.endsWith('View')) problems.push(`${at}: a view holds a head (${viewType.name}), which is never encoded`);
        continue;
      }
      if (viewType !== realType || field.type !== counterpart.type) problems.push(`${at}: type ${field.type} where ${real.name} has ${counterpart.type}`);
    }
    if (whole) {
      for (const field of real.fieldsArray) {
        if (!view.fieldsById[field.id]) problems.push(`${view.name}: misses ${real.name}.${field.name} = ${field.id}`);
      }
    }
  }
  return problems;
}

const syntheticRoot = (proto: string): protobuf.Root => {
  const root = protobuf.parse(proto, { keepCase: false }).root;
  root.resolveAll();
  return root;
};

describe('wire layout', () => {
  it('wire layout - every view and head of wire_views.proto agrees with its message', () => {
    const views = protoRoot().lookup('tandem.v1')?.toJSON().nested ?? {};
    expect(
      Object.keys(views)
        .filter((n) => /(View|Head)$/.test(n))
        .sort(),
    ).toEqual([
      'AgentMessageHead',
      'AgentMessageView',
      'LaunchTasksHead',
      'MasterMessageHead',
      'RegisterAgentView',
      'StatusUpdateHead',
      'StatusUpdatesHead',
      'TaskInfoHead',
      'TaskView',
    ]);
    expect(viewProblems(protoRoot(), 'tandem.v1')).toEqual([]);
  });

  it('wire layout - the check fails when a view and its message diverge', () => {
    const real = `
      syntax = "proto3";
      package t;
      message Inner { string a = 1; }
      message Outer { string id = 1; Inner inner = 2; repeated Inner more = 3; }`;
    const problems = (views: string) => viewProblems(syntheticRoot(real + views), 't');
    expect(problems('message OuterView { string id = 1; bytes inner = 2; repeated InnerView more = 3; } message InnerView { string a = 1; }')).toEqual([]);
    expect(problems('message OuterHead { bytes inner = 2; }')).toEqual([]);
    // The message gained a field its view does not have.
    expect(problems('message OuterView { string id = 1; bytes inner = 2; }')).toEqual(['OuterView: misses Outer.more = 3']);
    // Renumbered, renamed, retyped, made singular.
    expect(problems('message OuterHead { bytes inner = 4; }')).toEqual(['OuterHead.inner = 4: Outer has no field 4']);
    expect(problems('message OuterHead { bytes inside = 2; }')).toEqual(["OuterHead.inside = 2: Outer's field 2 is inner"]);
    expect(problems('message OuterHead { int32 id = 1; }')).toEqual(['OuterHead.id = 1: type int32 where Outer has string']);
    expect(problems('message OuterHead { bytes id = 1; }')).toEqual(['OuterHead.id = 1: type bytes where Outer has string']);
    expect(problems('message OuterHead { bytes more = 3; }')).toEqual(['OuterHead.more = 3: cardinality differs from Outer.more']);
    expect(problems('message OuterHead { Outer inner = 2; }')).toEqual(['OuterHead.inner = 2: Outer is not a view of Inner']);
    expect(problems('message OuterView { string id = 1; bytes inner = 2; repeated InnerHead more = 3; } message InnerHead { string a = 1; }')).toEqual([
      'OuterView.more = 3: a view holds a head (InnerHead), which is never encoded',
    ]);
    expect(problems('message OtherView { string id = 1; }')).toEqual(['OtherView: no message Other']);
  });

  it('wire layout - a message read as its view and written back is the message', () => {
    const connect = tandemV1().Agent.service.Connect;
    const codecs = wireCodecs();
    const register: AgentMessageInit = {
      register: {
        agentInfo: { id: 'a-1', hostname: 'h', resources: [{ name: 'cpus', scalar: 2 }], containerizers: ['process'] },
        tasks: [
          {
            info: {
              taskId: 't-1',
              name: 'n',
              agentId: 'a-1',
              resources: [{ name: 'mem', scalar: 64 }],
              command: { shell: true, value: 'true' },
              labels: [{ key: 'k', value: 'v' }],
            },
            frameworkId: 'fw',
            state: 'TASK_RUNNING',
            status: { taskId: 't-1', state: 'TASK_RUNNING', uuid: 'u', timestamp: 1.5, healthy: true, hasHealthy: true },
          },
        ],
        frameworks: [{ id: 'fw', name: 'f', roles: ['*'] }],
      },
    };
    const bytes = connect.requestSerialize(register) as Buffer;
    const view = codecs.agentMessageView.decode(bytes);
    // Not the same bytes (a decoded message has every default set, and they are written), the same message.
    const again = codecs.agentMessageView.encode(view);
    expect(connect.requestDeserialize(again)).toEqual(connect.requestDeserialize(bytes));
    const task = view.register?.tasks[0];
    expect(codecs.taskInfoHead.decode(task?.info ?? Buffer.alloc(0))).toEqual({ taskId: 't-1', resources: [expect.any(Buffer)] });
    expect(codecs.taskStatus.decode(task?.status ?? Buffer.alloc(0))).toEqual(connect.requestDeserialize(bytes).register?.tasks[0]?.status);

    // A message field given twice: protobufjs keeps the last occurrence, as bytes or decoded alike.
    const twice = Buffer.concat([
      messageCodec('TaskView').encode({ info: codecs.taskInfo.encode({ taskId: 'a', name: 'first' }), frameworkId: 'f' }),
      messageCodec('TaskView').encode({ info: codecs.taskInfo.encode({ name: 'second' }) }),
    ]);
    const asView = messageCodec<{ info: Buffer }, never>('TaskView').decode(twice);
    expect(codecs.taskInfo.decode(asView.info)).toEqual(messageCodec<{ info: unknown }, never>('Task').decode(twice).info);

    const launch: MasterMessageInit = { launchTasks: { framework: { id: 'fw' }, tasks: [{ taskId: 'x' }, { taskId: 'y', name: 'why' }] } };
    const heads = codecs.masterMessageHead.decode(connect.responseSerialize(launch) as Buffer).launchTasks?.tasks ?? [];
    expect(heads.map((h) => codecs.taskInfo.decode(h).taskId)).toEqual(['x', 'y']);
  });
});
