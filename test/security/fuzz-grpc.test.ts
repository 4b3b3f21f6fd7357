import * as grpc from '@grpc/grpc-js';
import { type SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import { messageCodec } from '@tandem/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privatePorts } from '../support/apps.js';
import { cleanup, recorder, startAgent, startDriver, startMaster, waitFor } from '../support/cluster.js';
import { brief, FUZZ_SEED, fuzzRuns, mutated, nastyNumber, nastyString, Raw, Tally, TRAVERSALS } from './fuzz-support.js';
import { encode, type GrpcOutcome, RawGrpc, uncleanOutcome, wireValue } from './grpc-probe.js';

// Property-based fuzzing (fast-check, fixed seed) of every gRPC call of the master:
// Scheduler.Subscribe, Scheduler.Call with each call type, Agent.Connect with each agent
// message, and every Operator call, with hostile field values (traversal, unicode and huge
// strings, negative/NaN/infinite/huge numbers, empty and repeated ids, unknown enum
// values, resources with bad scalars and malformed ranges), plus raw garbage bytes to each
// method. Every call must end OK or with a clean status carrying a message (never INTERNAL
// or UNKNOWN), the master must keep serving (/health, a real framework's offers), and the
// allocator's books must stay consistent (no negative or non-finite free resources in
// /api/v1/state). Counts are printed; FUZZ_RUNS=N runs N inputs per surface.

const RUNS = fuzzRuns(30);
const tally = new Tally();

let master: Master;
let raw: RawGrpc;
let fuzzer: SchedulerDriver;
let fuzzerOffers: ReturnType<typeof recorder>;
let agentId: string;
let serial = 0;
/** Bytes refused as not the method's message (INVALID_ARGUMENT, decode-guard.ts; grpc-js alone said INTERNAL). */
let undecodable = 0;

// biome-ignore lint/suspicious/noExplicitAny: state documents are JSON read by assertion
type Json = any;

/** A number as protobuf will carry it (a double or an integer field), NaN included. */
const num = fc.oneof(
  nastyNumber.map((n) => wireValue(n) as number),
  fc.constant(Number.NaN),
);
const str = nastyString.filter((s) => s.length <= 100_000);
const idLike = fc.oneof({ weight: 3, arbitrary: str }, { weight: 1, arbitrary: fc.constantFrom('', 'AGENT', 'FWID', 'OFFER', ...TRAVERSALS) });

const resourceArb = fc.record(
  {
    name: fc.oneof(fc.constantFrom('cpus', 'mem', 'disk', 'ports', 'gpus'), str),
    scalar: num,
    ranges: fc.record({ range: fc.array(fc.record({ begin: num, end: num }), { maxLength: 3 }) }),
    role: fc.oneof(fc.constantFrom('', '*', 'r'), str),
  },
  { requiredKeys: ['name'] },
);

const VALID_TASK = {
  taskId: 'TASKID',
  name: 'fz',
  agentId: 'AGENT',
  resources: [
    { name: 'cpus', scalar: 0.01 },
    { name: 'mem', scalar: 8 },
  ],
  labels: [{ key: 'k', value: 'v' }],
  killPolicy: { gracePeriodSeconds: 1 },
};
const COMMAND = { shell: false, value: 'true', arguments: ['true'] };
/** A task: the valid one mutated (never its command: the fuzzer does not run what it makes up), or with made-up resources. */
const taskArb = fc
  .oneof(
    { weight: 3, arbitrary: mutated(VALID_TASK, ['container', 'healthChecks']) },
    { weight: 1, arbitrary: fc.array(resourceArb, { maxLength: 4 }).map((resources) => ({ ...VALID_TASK, resources })) },
  )
  .map((t) => (t && typeof t === 'object' && !Array.isArray(t) ? { ...t, command: COMMAND } : t));

const acceptArb = fc.record({
  offerIds: fc.oneof({ weight: 3, arbitrary: fc.constant(['OFFER']) }, { weight: 1, arbitrary: fc.array(idLike, { maxLength: 3 }) }),
  operations: fc.array(fc.record({ launch: fc.record({ tasks: fc.array(taskArb, { minLength: 1, maxLength: 3 }) }) }), { maxLength: 2 }),
  filters: fc.oneof(fc.constant({ refuseSeconds: 0 }), fc.record({ refuseSeconds: num })),
});

const callBodyArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  acceptArb.map((accept) => ({ accept })),
  fc.array(acceptArb, { maxLength: 3 }).map((accepts) => ({ acceptMany: { accepts } })),
  fc.record({ offerIds: fc.array(idLike, { maxLength: 3 }), filters: fc.record({ refuseSeconds: num }) }).map((decline) => ({ decline })),
  fc.array(fc.oneof(fc.constant('*'), str), { maxLength: 3 }).map((roles) => ({ revive: { roles } })),
  fc.array(fc.oneof(fc.constant('*'), str), { maxLength: 3 }).map((roles) => ({ suppress: { roles } })),
  fc
    .array(fc.record({ taskId: idLike, agentId: idLike, killPolicy: fc.record({ gracePeriodSeconds: num }) }), { maxLength: 3 })
    .map((tasks) => ({ kill: { tasks } })),
  fc.array(fc.record({ agentId: idLike, taskId: idLike, uuid: idLike, frameworkId: idLike }), { maxLength: 3 }).map((acks) => ({ acknowledge: { acks } })),
  fc.array(fc.record({ taskId: idLike, agentId: idLike }), { maxLength: 3 }).map((tasks) => ({ reconcile: { tasks } })),
  fc.array(idLike, { maxLength: 3 }).map((inverseOfferIds) => ({ acceptInverseOffers: { inverseOfferIds } })),
  fc.array(idLike, { maxLength: 3 }).map((inverseOfferIds) => ({ declineInverseOffers: { inverseOfferIds } })),
);

const schedulerCallArb = fc
  .record({
    frameworkId: fc.oneof({ weight: 4, arbitrary: fc.constant('FWID') }, { weight: 1, arbitrary: idLike }),
    streamId: fc.oneof({ weight: 4, arbitrary: fc.constant('STREAM') }, { weight: 1, arbitrary: idLike }),
    body: callBodyArb,
  })
  .map(({ frameworkId, streamId, body }) => ({ frameworkId, streamId, ...body }));

/** Teardown only with made-up framework ids (tearing down the fuzzer itself is the last case). */
const teardownArb = idLike.filter((id) => id !== 'FWID').map((frameworkId) => ({ frameworkId, streamId: 'STREAM', teardown: {} }));

const VALID_FRAMEWORK = { name: 'fz', user: '', roles: ['*'], failoverTimeoutSeconds: 1, capabilities: [], hostname: 'h', labels: [{ key: 'k', value: 'v' }] };
const subscribeArb = fc.record({
  frameworkInfo: mutated(VALID_FRAMEWORK, ['id', 'principal']).filter((f) => !(f && typeof f === 'object' && (f as { id?: unknown }).id === 'FWID')),
  suppressedRoles: fc.array(fc.oneof(fc.constant('*'), str), { maxLength: 2 }),
});

const VALID_AGENT_INFO = {
  hostname: 'fz-host',
  resources: [
    { name: 'cpus', scalar: 1 },
    { name: 'mem', scalar: 64 },
    { name: 'ports', ranges: { range: [{ begin: 40000, end: 40010 }] } },
  ],
  attributes: [{ name: 'rack', text: 'r1' }],
  containerizers: ['process'],
  version: 'fz',
};
const statusArb = fc.record({
  taskId: idLike,
  state: fc.oneof(fc.constantFrom('TASK_RUNNING', 'TASK_FINISHED', 'TASK_LOST'), fc.integer({ min: -5, max: 1000 })),
  reason: fc.oneof(fc.constant('REASON_NONE'), fc.integer({ min: -5, max: 1000 })),
  message: str,
  agentId: idLike,
  uuid: idLike,
  timestamp: num,
});
const agentMessageArb = fc.oneof(
  fc.record({ register: fc.record({ agentInfo: mutated(VALID_AGENT_INFO, ['id', 'address']), tasks: fc.constant([]), frameworks: fc.constant([]) }) }),
  fc.record({ register: fc.record({ agentInfo: fc.record({ hostname: str, resources: fc.array(resourceArb, { maxLength: 4 }) }) }) }),
  fc.record({
    statusUpdates: fc.record({ updates: fc.array(fc.record({ status: statusArb, latestState: fc.integer({ min: -1, max: 100 }) }), { maxLength: 3 }) }),
  }),
  fc.record({ pong: fc.record({ seq: num }) }),
  fc.record({ fileData: fc.record({ requestId: idLike, data: fc.uint8Array({ maxLength: 64 }), offset: num, eof: fc.boolean(), error: str, size: num }) }),
);

const operatorArb: fc.Arbitrary<{ method: string; type: string; message: unknown }> = fc.oneof(
  fc.constantFrom('GetState', 'GetWeights', 'GetQuota').map((m) => ({ method: m, type: `${m}Request`, message: {} })),
  fc
    .record({ taskId: fc.oneof(idLike, fc.constant('TASK')), name: fc.oneof(fc.constantFrom('stdout', 'stderr', ''), str), offset: num, length: num })
    .map((message) => ({ method: 'ReadTaskLog', type: 'ReadTaskLogRequest', message })),
  fc
    .array(fc.record({ role: fc.oneof(fc.constantFrom('*', 'fz', 'a/b'), str), weight: num }), { maxLength: 3 })
    .map((weights) => ({ method: 'UpdateWeights', type: 'UpdateWeightsRequest', message: { weights } })),
  fc
    .record({
      quotas: fc.array(
        fc.record({
          role: fc.oneof(fc.constantFrom('*', 'fz'), str),
          guarantee: fc.dictionary(fc.oneof(fc.constantFrom('cpus', 'mem', 'ports'), str), num, { maxKeys: 2 }),
          limit: fc.dictionary(fc.oneof(fc.constantFrom('cpus', 'mem'), str), num, { maxKeys: 2 }),
        }),
        { maxLength: 2 },
      ),
      force: fc.boolean(),
    })
    .map((message) => ({ method: 'UpdateQuota', type: 'UpdateQuotaRequest', message })),
  idLike.filter((id) => id !== 'AGENT').map((agentId) => ({ method: 'MarkAgentGone', type: 'MarkAgentGoneRequest', message: { agentId } })),
  // Drains, kills and teardowns never name the fuzzer's own agent or framework (the cases after need them).
  fc
    .record({ agentId: idLike.filter((id) => id !== 'AGENT'), gracePeriodSeconds: num, markGone: fc.boolean() })
    .map((message) => ({ method: 'DrainAgent', type: 'DrainAgentRequest', message })),
  idLike.map((agentId) => ({ method: 'ReactivateAgent', type: 'ReactivateAgentRequest', message: { agentId } })),
  fc
    .record({ taskId: idLike, frameworkId: idLike.filter((id) => id !== 'FWID'), gracePeriodSeconds: num })
    .map((message) => ({ method: 'KillTask', type: 'OperatorKillTaskRequest', message })),
  idLike.filter((id) => id !== 'FWID').map((frameworkId) => ({ method: 'TeardownFramework', type: 'TeardownFrameworkRequest', message: { frameworkId } })),
  fc
    .array(
      fc.record({
        agentIds: fc.array(
          idLike.filter((id) => id !== 'AGENT'),
          { maxLength: 3 },
        ),
        start: num,
        durationSeconds: num,
      }),
      { maxLength: 3 },
    )
    .map((windows) => ({ method: 'UpdateMaintenanceSchedule', type: 'MaintenanceSchedule', message: { windows } })),
  fc.constantFrom('GetMaintenanceSchedule', 'GetMaintenanceStatus').map((m) => ({ method: m, type: `${m}Request`, message: {} })),
);

/** The ids the placeholders of generated messages stand for, read at the moment of the call. */
function vars(offerId = 'no-offer-taken'): Record<string, string> {
  return {
    FWID: fuzzer.frameworkId ?? '',
    STREAM: fuzzer.streamId ?? '',
    OFFER: offerId,
    AGENT: agentId,
    TASKID: `fz-${++serial}`,
    TASK: fuzzerOffers.updates[0]?.taskId ?? 'fz-1',
  };
}

/**
 * An offer the fuzzer holds, taken for one call (so each ACCEPT gets one no other call
 * used); when none is held, a REVIVE (filters from fuzzed DECLINEs may hold them back) and
 * a short wait. Undefined when none comes: the call then names an unknown offer.
 */
async function takeOffer(): Promise<string | undefined> {
  if (fuzzerOffers.offers.length === 0) {
    await fuzzer.revive().catch(() => undefined);
    await waitFor(() => fuzzerOffers.offers.length > 0, 'an offer', 3_000).catch(() => undefined);
  }
  return fuzzerOffers.offers.pop()?.id;
}

/** The allocator's books as /api/v1/state shows them: every amount finite, nothing negative, nothing over an agent's total. */
async function booksProblem(): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${master.httpPort}/api/v1/state`);
  if (res.status !== 200) return `/api/v1/state answered ${res.status}`;
  const state = (await res.json()) as Json;
  for (const a of state.agents as Json[]) {
    for (const [name, total] of Object.entries(a.resources as Record<string, unknown>)) {
      if (typeof total === 'string') continue; // ranges
      const used = Number(a.allocated[name] ?? 0) + Number(a.offered[name] ?? 0);
      if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) return `agent ${a.id}: ${name} total ${String(total)}`;
      if (!Number.isFinite(used) || used < 0) return `agent ${a.id}: ${name} in use ${used}`;
      if (total - used < -1e-6) return `agent ${a.id}: ${name} free ${total - used} (total ${total}, in use ${used})`;
    }
    for (const name of [...Object.keys(a.allocated), ...Object.keys(a.offered)])
      if (!(name in a.resources)) return `agent ${a.id}: ${name} in use but not held`;
  }
  for (const f of state.frameworks as Json[]) {
    for (const [name, v] of Object.entries({ ...f.allocated, ...f.offered })) {
      if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) return `framework ${f.id}: ${name} ${v}`;
    }
  }
  return undefined;
}

type Probe = { what: string; run(): Promise<GrpcOutcome | undefined> };

/** Runs `runs` probes of one surface; each must end cleanly and leave the books consistent. */
async function fuzzGrpc<T>(surface: string, arb: fc.Arbitrary<T>, probe: (input: T) => Probe | Promise<Probe>, runs = RUNS): Promise<void> {
  const count = tally.of(surface);
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      const p = await probe(input);
      const started = Date.now();
      const outcome = await p.run();
      if (Date.now() - started > 3_000) console.log(`SLOW ${Date.now() - started} ms: ${p.what} -> ${outcome?.code} ${outcome?.details}`);
      if (!outcome) return; // protobuf cannot carry this value: nothing was sent
      count.tried++;
      if (outcome.code === grpc.status.OK) count.accepted++;
      else count.refused++;
      const unclean = uncleanOutcome(outcome);
      if (outcome.code === grpc.status.INVALID_ARGUMENT && /is not a valid request of/.test(outcome.details)) undecodable++;
      if (unclean) {
        count.crashes++;
        tally.problem(`${surface}: ${p.what} -> ${unclean}`);
        throw new Error(`${surface}: ${p.what} -> ${unclean}`);
      }
      const books = await booksProblem();
      if (books) {
        count.acceptedWrongly++;
        tally.problem(`${surface}: ${p.what} -> ${books}`);
        throw new Error(`${surface}: ${p.what} left the books inconsistent: ${books}`);
      }
    }),
    { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true },
  );
  const health = await fetch(`http://127.0.0.1:${master.httpPort}/health`);
  expect(health.status, `${surface}: the master's /health`).toBe(200);
}

/** A generated field as a list (mutations may have made it anything). */
const list = (v: unknown): Json[] => (Array.isArray(v) ? v : []);

/** Why a task as sent must never run (the launch oracle), or undefined. */
function taskProblem(t: Json): string | undefined {
  if (typeof t?.taskId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/.test(t.taskId) || t.taskId.includes('..')) return 'a task id that is no id';
  for (const r of list(t.resources)) {
    // As decoded (a oneof: `value` says which of scalar and ranges the master reads).
    if (r?.value !== 'ranges' && !(Number.isFinite(r?.scalar) && r.scalar >= 0)) return `${r?.name} scalar ${r?.scalar}`;
    if (r?.value === 'ranges' && r.name !== 'ports' && list(r.ranges?.range).length > 0) return `${r.name} given as ranges`;
    for (const range of r?.value === 'ranges' ? list(r?.ranges?.range) : [])
      if (!(Number.isFinite(range.begin) && Number.isFinite(range.end) && range.begin >= 0 && range.begin <= range.end))
        return `${r.name} range ${range.begin}-${range.end}`;
  }
  return undefined;
}

/** States only a task that was launched on an agent reaches. */
const RUN_STATES = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED']);

/** Each TASKID placeholder its own id (several tasks of one call must not share one). */
function uniqueTaskIds(v: unknown): unknown {
  if (v === 'TASKID') return `fz-${++serial}`;
  if (Array.isArray(v)) return v.map(uniqueTaskIds);
  if (v && typeof v === 'object' && !(v instanceof Raw)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, uniqueTaskIds(x)]));
  return v;
}

/** Tasks sent in ACCEPTs that must never run, by task id, with why. */
const mustNotRun = new Map<string, string>();

async function send(path: string, type: string, message: unknown, kind: 'unary' | 'server' | 'bidi'): Promise<Probe> {
  const offerId = JSON.stringify(message)?.includes('"OFFER"') ? await takeOffer() : undefined;
  const value = wireValue(uniqueTaskIds(message), vars(offerId));
  const bytes = encode(type, value);
  // The oracle reads the call as the master will: decoded from the bytes sent.
  const v = (bytes ? messageCodec<Json, Json>(type).decode(bytes) : undefined) as Json;
  for (const accept of [v?.accept, ...list(v?.acceptMany?.accepts)]) {
    for (const op of list(accept?.operations)) {
      for (const t of list(op?.launch?.tasks)) {
        const why = taskProblem(t);
        if (why && typeof t?.taskId === 'string') mustNotRun.set(t.taskId, why);
      }
    }
  }
  return {
    what: `${path} ${brief(JSON.stringify(value) ?? 'undefined', 400)}`,
    run: async () => {
      try {
        if (!bytes) return undefined;
        if (kind === 'unary') return await raw.unary(path, bytes);
        if (kind === 'server') return await raw.serverStream(path, bytes);
        return await raw.bidi(path, [bytes]);
      } finally {
        // An offer the call did not use goes back (NOT_FOUND when it was used).
        if (offerId) await fuzzer.decline([offerId], 0).catch(() => undefined);
      }
    },
  };
}

beforeAll(async () => {
  master = await startMaster({ maxMissedPings: 2 });
  const agent = await startAgent(master, { containerizers: ['process'], resources: `cpus:2;mem:1024;disk:1024;ports:${privatePorts()}` });
  agentId = await waitFor(() => agent.agentId, 'the agent registered');
  fuzzer = await startDriver(master, { name: 'fuzzer' });
  fuzzerOffers = recorder(fuzzer);
  await waitFor(() => fuzzerOffers.offers.length > 0, 'a first offer to the fuzzer');
  raw = new RawGrpc(master.address);
}, 60_000);

afterAll(async () => {
  tally.print('gRPC fuzzing');
  console.log(`inputs refused as not the method's message (INVALID_ARGUMENT): ${undecodable}`);
  const errored = new Set(fuzzerOffers?.updates.filter((u) => u.state === 'TASK_ERROR').map((u) => u.taskId));
  console.log(
    `launched tasks with a bad id or resources: ${mustNotRun.size}, of them TASK_ERROR: ${[...mustNotRun.keys()].filter((id) => errored.has(id)).length}`,
  );
  raw?.close();
  await cleanup();
});

describe('fuzz - gRPC', { timeout: Math.max(60_000, RUNS * 3_000) }, () => {
  it('fuzz-grpc - Scheduler.Call: every call type with hostile fields, on the fuzzer framework', async () => {
    await fuzzGrpc('Scheduler.Call', schedulerCallArb, (m) => send('/tandem.v1.Scheduler/Call', 'SchedulerCall', m, 'unary'), RUNS * 4);
    await fuzzGrpc('Scheduler.Call TEARDOWN (other ids)', teardownArb, (m) => send('/tandem.v1.Scheduler/Call', 'SchedulerCall', m, 'unary'));
    // The fuzzer's own framework is still subscribed and still gets offers: it gives back
    // what it holds (offers the fuzzing used are gone: NOT_FOUND) and a new offer comes.
    const held = fuzzerOffers.offers.splice(0).map((o) => o.id);
    for (const id of held) await fuzzer.decline([id], 0).catch(() => undefined);
    await fuzzer.revive();
    const offer = await waitFor(() => fuzzerOffers.offers.find((o) => !held.includes(o.id)), 'a new offer to the fuzzer after the run');
    // A last, valid task: once it has finished, the agent has handled every launch sent before it.
    await fuzzer.launch(offer, [taskInfo({ id: 'sentinel', cpus: 0.01, mem: 8, argv: ['true'] }, offer)], { refuseSeconds: 0 });
    await waitFor(() => fuzzerOffers.states('sentinel').includes('TASK_FINISHED'), 'the sentinel task finished');
    // The launch oracle: a task with a bad id or resources gets TASK_ERROR (or nothing), never a state of a task that runs.
    expect(mustNotRun.size).toBeGreaterThan(0);
    // Both the fuzzer's updates and the master's books (current and completed tasks) are read.
    const state = (await (await fetch(`http://127.0.0.1:${master.httpPort}/api/v1/state`)).json()) as Json;
    const booked = [...state.tasks, ...state.completedTasks].map((t: Json) => ({ taskId: t.id as string, state: t.state as string }));
    expect(booked.find((t) => t.taskId === 'sentinel')?.state, 'the books show a task that ran').toBe('TASK_FINISHED');
    const ran = [...fuzzerOffers.updates, ...booked].filter((u) => mustNotRun.has(u.taskId) && RUN_STATES.has(u.state));
    tally.of('Scheduler.Call').acceptedWrongly += ran.length;
    expect(ran.map((u) => `${u.taskId}: ${u.state} (${mustNotRun.get(u.taskId)})`)).toEqual([]);
  });

  it('fuzz-grpc - Scheduler.Subscribe: hostile framework infos', async () => {
    await fuzzGrpc('Scheduler.Subscribe', subscribeArb, (m) => send('/tandem.v1.Scheduler/Subscribe', 'SubscribeRequest', m, 'server'));
  });

  it('fuzz-grpc - Agent.Connect: registrations with hostile resources, updates, pongs, file data', async () => {
    await fuzzGrpc('Agent.Connect', fc.array(agentMessageArb, { minLength: 1, maxLength: 3 }), (ms) => {
      const values = ms.map((m) => wireValue(m, vars()));
      const bytes = values.map((v) => encode('AgentMessage', v));
      return {
        what: `Agent.Connect ${brief(JSON.stringify(values), 400)}`,
        run: async () => (bytes.some((b) => !b) ? undefined : raw.bidi('/tandem.v1.Agent/Connect', bytes as Buffer[])),
      };
    });
  });

  it('fuzz-grpc - Operator: every call with hostile fields (log reads with traversal names, weights, quotas, agents gone, drains, kills, teardowns, maintenance windows)', async () => {
    await fuzzGrpc('Operator.*', operatorArb, ({ method, type, message }) => send(`/tandem.v1.Operator/${method}`, type, message, 'unary'));
    await fuzzGrpc('Operator.Watch', fc.constant({}), (m) => send('/tandem.v1.Operator/Watch', 'WatchRequest', m, 'server'), 3);
  });

  it('fuzz-grpc - garbage bytes to every method', async () => {
    const methods: [string, 'unary' | 'server' | 'bidi'][] = [
      ['/tandem.v1.Scheduler/Subscribe', 'server'],
      ['/tandem.v1.Scheduler/Call', 'unary'],
      ['/tandem.v1.Agent/Connect', 'bidi'],
      ['/tandem.v1.Operator/GetState', 'unary'],
      ['/tandem.v1.Operator/Watch', 'server'],
      ['/tandem.v1.Operator/ReadTaskLog', 'unary'],
      ['/tandem.v1.Operator/GetWeights', 'unary'],
      ['/tandem.v1.Operator/UpdateWeights', 'unary'],
      ['/tandem.v1.Operator/GetQuota', 'unary'],
      ['/tandem.v1.Operator/UpdateQuota', 'unary'],
      ['/tandem.v1.Operator/MarkAgentGone', 'unary'],
      ['/tandem.v1.Operator/DrainAgent', 'unary'],
      ['/tandem.v1.Operator/ReactivateAgent', 'unary'],
      ['/tandem.v1.Operator/KillTask', 'unary'],
      ['/tandem.v1.Operator/TeardownFramework', 'unary'],
      ['/tandem.v1.Operator/UpdateMaintenanceSchedule', 'unary'],
      ['/tandem.v1.Nope/Nothing', 'unary'],
    ];
    await fuzzGrpc(
      'garbage bytes',
      fc.record({ m: fc.constantFrom(...methods), bytes: fc.uint8Array({ maxLength: 256 }) }),
      ({ m: [path, kind], bytes }) => ({
        what: `${path} ${Buffer.from(bytes).toString('hex').slice(0, 120)}`,
        run: () => {
          const b = Buffer.from(bytes);
          return kind === 'unary' ? raw.unary(path, b) : kind === 'server' ? raw.serverStream(path, b, 1_000) : raw.bidi(path, [b], 1_000);
        },
      }),
      RUNS * 2,
    );
  });

  // What the fuzzer found, kept as a plain case.
  it('fuzz-grpc - found: a call naming a 100 KB id is answered (NOT_FOUND, message cut), not left to hang to its deadline', async () => {
    const huge = 'x'.repeat(100_000);
    const bytes = encode('SchedulerCall', { frameworkId: huge, streamId: 'STREAM', revive: { roles: ['*'] } });
    const outcome = await raw.unary('/tandem.v1.Scheduler/Call', bytes!, 10_000);
    expect(grpc.status[outcome.code]).toBe('NOT_FOUND');
    expect(outcome.details).toMatch(/\.\.\. \(\d+ characters\)$/);
    expect(outcome.details.length).toBeLessThan(1100);
  });

  it('fuzz-grpc - found: bytes that are not the message are INVALID_ARGUMENT naming the method, on unary calls and both kinds of stream (grpc-js alone said INTERNAL)', async () => {
    const junk = Buffer.from([0x66, 0xb3, 0x2c, 0x9c, 0x81, 0xe2, 0x39, 0x52, 0x2d]);
    const outcomes = [
      ['Scheduler/Call', await raw.unary('/tandem.v1.Scheduler/Call', junk)],
      ['Scheduler/Subscribe', await raw.serverStream('/tandem.v1.Scheduler/Subscribe', junk)],
      ['Agent/Connect', await raw.bidi('/tandem.v1.Agent/Connect', [junk])],
      ['Operator/ReadTaskLog', await raw.unary('/tandem.v1.Operator/ReadTaskLog', junk)],
    ] as const;
    for (const [method, o] of outcomes) {
      expect(grpc.status[o.code], method).toBe('INVALID_ARGUMENT');
      expect(o.details).toContain(`is not a valid request of ${method}`);
    }
  });

  it('fuzz-grpc - the figures, and a real framework still gets offers once the fuzzer is torn down', async () => {
    // The fuzzer's own teardown: its offers go back and another framework gets them.
    const check = await startDriver(master, { name: 'after-fuzz' });
    const rec = recorder(check);
    const torn = await raw.unary(
      '/tandem.v1.Scheduler/Call',
      encode('SchedulerCall', wireValue({ frameworkId: 'FWID', streamId: 'STREAM', teardown: {} }, vars()))!,
    );
    expect(torn.code).toBe(grpc.status.OK);
    const offer = await waitFor(() => rec.offers.find((o) => o.agentId === agentId), 'an offer of the real agent to a new framework');
    expect(offer.resources.length).toBeGreaterThan(0);
    expect(await booksProblem()).toBeUndefined();
    const total = tally.total();
    expect(tally.all().length).toBeGreaterThanOrEqual(7);
    expect(total.tried).toBeGreaterThan(7 * RUNS);
    expect(total.crashes).toBe(0);
    expect(total.acceptedWrongly).toBe(0);
    expect(tally.problems).toEqual([]);
  });
});
