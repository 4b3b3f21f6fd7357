import * as grpc from '@grpc/grpc-js';
import {
  componentLogger,
  type EventInit,
  type Offer,
  type OperatorHandlers,
  Resources,
  type SchedulerCall,
  type SchedulerHandlers,
  SERVER_OPTIONS,
  type TaskStatusInit,
  tandemV1,
} from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred } from '../deferred.js';
import { captureIo } from '../test-support/run-cli.js';
import { type ExecuteOptions, runExecute } from './run-execute.js';

/** Scheduler + Operator services enough for one `execute` run; `onAccept` plays the agent. */
class FakeMaster {
  readonly server = new grpc.Server(SERVER_OPTIONS);
  readonly calls: SchedulerCall[] = [];
  stream: grpc.ServerWritableStream<unknown, EventInit> | undefined;
  onAccept: (taskId: string) => void = () => {};
  onKill: (taskId: string) => void = () => {};
  logs: Record<string, string> = { stdout: '', stderr: '' };
  port = 0;

  constructor(private readonly offers: Offer[]) {}

  async start(): Promise<void> {
    const scheduler: SchedulerHandlers = {
      Subscribe: (call) => {
        this.stream = call;
        call.write({ subscribed: { frameworkId: 'fw-x', streamId: 's1', heartbeatIntervalSeconds: 15, masterId: 'm' } });
        setTimeout(() => call.write({ offers: { offers: this.offers } }), 10);
      },
      Call: (call, callback) => {
        const req = call.request;
        this.calls.push(req);
        callback(null, { launched: req.accept ? 1 : 0 });
        const task = req.accept?.operations[0]?.launch?.tasks[0];
        if (task) setTimeout(() => this.onAccept(task.taskId), 5);
        const kill = req.kill?.tasks[0];
        if (kill) setTimeout(() => this.onKill(kill.taskId), 5);
        if (req.teardown) this.stream?.end();
      },
    };
    const operator: OperatorHandlers = {
      GetState: (_call, callback) => callback(null, {}),
      Watch: (call) => call.end(),
      ReadTaskLog: (call, callback) => {
        const data = Buffer.from(this.logs[call.request.name || 'stdout'] ?? '');
        const start = Math.min(Number(call.request.offset), data.length);
        callback(null, { data: data.subarray(start), offset: start, eof: true, size: data.length });
      },
      GetWeights: (_call, callback) => callback(null, {}),
      UpdateWeights: (_call, callback) => callback(null, {}),
      GetQuota: (_call, callback) => callback(null, {}),
      UpdateQuota: (_call, callback) => callback(null, {}),
      MarkAgentGone: (_call, callback) => callback(null, {}),
      DrainAgent: (_call, callback) => callback(null, {}),
      ReactivateAgent: (_call, callback) => callback(null, {}),
      KillTask: (_call, callback) => callback(null, {}),
      TeardownFramework: (_call, callback) => callback(null, {}),
      GetMaintenanceSchedule: (_call, callback) => callback(null, {}),
      UpdateMaintenanceSchedule: (_call, callback) => callback(null, {}),
      GetMaintenanceStatus: (_call, callback) => callback(null, {}),
    };
    this.server.addService(tandemV1().Scheduler.service, scheduler);
    this.server.addService(tandemV1().Operator.service, operator);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  update(taskId: string, state: TaskStatusInit['state'], extra: Partial<TaskStatusInit> = {}): void {
    this.stream?.write({ update: { statuses: [{ taskId, state, agentId: 'agent-1', uuid: `${taskId}-${String(state)}`, ...extra }] } });
  }

  call(kind: string): SchedulerCall[] {
    return this.calls.filter((c) => c.call === kind);
  }

  async stop(): Promise<void> {
    this.stream?.end();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

const offer = (id: string, text: string): Offer => ({
  id,
  frameworkId: 'fw-x',
  agentId: `agent-${id}`,
  hostname: 'h',
  resources: Resources.parse(text).toWire() as Offer['resources'],
  attributes: [],
  unavailability: null,
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function fake(offers: Offer[]): Promise<FakeMaster> {
  const m = new FakeMaster(offers);
  await m.start();
  cleanup.push(() => m.stop());
  return m;
}

const options = (m: FakeMaster, over: Partial<ExecuteOptions> = {}): ExecuteOptions => ({
  master: `127.0.0.1:${m.port}`,
  argv: ['sh', '-c', 'echo hello; exit 3'],
  cpus: 0.5,
  mem: 64,
  disk: 0,
  env: { GREETING: 'hi' },
  timeoutSeconds: 0,
  declineSeconds: 120,
  ...over,
});

const log = componentLogger('test');

describe('runExecute', () => {
  it('execute - launches the argv as is on a fitting offer, prints states and logs, exits with the exit code', async () => {
    const m = await fake([offer('small', 'cpus:0.1;mem:16'), offer('big', 'cpus:2;mem:1024')]);
    m.logs = { stdout: 'hello\n', stderr: 'oops\n' };
    m.onAccept = (id) => {
      m.update(id, 'TASK_RUNNING');
      m.update(id, 'TASK_FAILED', { reason: 'REASON_COMMAND_EXITED', hasExitCode: true, exitCode: 3, message: 'Command exited with status 3' });
    };
    const io = captureIo();
    const code = await runExecute(options(m), io, new Promise(() => {}), log);
    expect(code).toBe(3);
    expect(io.out()).toMatch(/^TASK_RUNNING task=sh\.[0-9a-f]{8} agent=agent-1\n/);
    expect(io.out()).toContain('TASK_FAILED task=');
    expect(io.out()).toContain('reason=REASON_COMMAND_EXITED exit=3 message="Command exited with status 3"');
    expect(io.out()).toMatch(/hello\n$/);
    expect(io.err()).toContain('oops');
    const accept = m.call('accept')[0]?.accept;
    expect(accept?.offerIds).toEqual(['big']);
    const task = accept?.operations[0]?.launch?.tasks[0];
    expect(task?.command).toMatchObject({ shell: false, arguments: ['sh', '-c', 'echo hello; exit 3'], environment: [{ name: 'GREETING', value: 'hi' }] });
    expect(task?.container?.type).toBe('PROCESS');
    expect(task?.agentId).toBe('agent-big');
    expect(m.call('decline')[0]?.decline?.offerIds).toEqual(['small']);
    expect(m.call('suppress')).toHaveLength(1);
    expect(m.calls.flatMap((c) => c.acknowledge?.acks.map((a) => a.uuid) ?? []).sort()).toHaveLength(2);
    expect(m.calls.at(-1)?.call).toBe('teardown');
  });

  it('execute - FINISHED exits 0; --image makes a DOCKER task', async () => {
    const m = await fake([offer('o1', 'cpus:1;mem:128')]);
    m.onAccept = (id) => m.update(id, 'TASK_FINISHED', { hasExitCode: true, exitCode: 0 });
    const io = captureIo();
    const code = await runExecute(options(m, { argv: [], image: 'alpine:3.20', name: 'probe' }), io, new Promise(() => {}), log);
    expect(code).toBe(0);
    const task = m.call('accept')[0]?.accept?.operations[0]?.launch?.tasks[0];
    expect(task?.container).toMatchObject({ type: 'DOCKER', docker: { image: 'alpine:3.20' } });
    expect(task?.taskId).toMatch(/^probe\./);
    expect(task?.name).toBe('probe');
  });

  it('execute - Ctrl-C kills the running task, then exits 1', async () => {
    const m = await fake([offer('o1', 'cpus:1;mem:128')]);
    const running = deferred<void>();
    m.onAccept = (id) => {
      m.update(id, 'TASK_RUNNING');
      running.resolve();
    };
    m.onKill = (id) => m.update(id, 'TASK_KILLED', { reason: 'REASON_KILLED_BY_FRAMEWORK' });
    const io = captureIo();
    const code = await runExecute(
      options(m, { gracePeriodSeconds: 1 }),
      io,
      running.promise.then(() => new Promise((r) => setTimeout(r, 20))),
      log,
    );
    expect(code).toBe(1);
    expect(m.call('kill')[0]?.kill?.tasks[0]).toMatchObject({ agentId: 'agent-o1', killPolicy: { gracePeriodSeconds: 1 } });
    expect(io.out()).toContain('TASK_KILLED');
    expect(io.err()).toContain('interrupted; killing');
  });

  it('execute - says so and exits 1 when no offer fits before the timeout', async () => {
    const m = await fake([offer('o1', 'cpus:0.1;mem:16')]);
    const io = captureIo();
    const code = await runExecute(options(m, { timeoutSeconds: 0.3 }), io, new Promise(() => {}), log);
    expect(code).toBe(1);
    expect(io.err()).toContain('waiting for an offer with cpus:0.5;mem:64');
    expect(io.err()).toContain('timed out after 0.3 s before the task was launched');
    expect(m.call('decline')[0]?.decline?.filters?.refuseSeconds).toBe(5);
  });
});
