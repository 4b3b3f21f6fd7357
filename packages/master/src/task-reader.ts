import { type AgentMessage, forEachField, type TaskState, type TaskStatus, tandemV1, WireParts } from '@tandem/protocol';

/**
 * A re-registered Task's fields but its TaskInfo (read apart, agent-wire.ts), read from its
 * bytes by hand: after a failover 100,000 tasks come in at once, and the generated decoder
 * made two objects of each status (a message, then a plain copy with every default).
 * The result is what the generated decoder gives (same fields, defaults and enum names),
 * or undefined for anything this reader does not follow (a field of an unexpected wire
 * type, a status given in parts, an enum value it does not know), left to that decoder.
 * Task: framework_id = 2, state = 3, status = 4. TaskStatus: see tasks.proto.
 */
export interface ReadTask {
  /** Always null: the TaskInfo is read apart. */
  info: null;
  frameworkId: string;
  state: TaskState;
  status: TaskStatus | null;
}

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;

export function readTask(buf: Buffer, start: number, end: number): ReadTask | undefined {
  const names = enumNames();
  let frameworkId = '';
  let state = names.taskState[0] as TaskState;
  let status: TaskStatus | null = null;
  let ok = true;
  const parsed = forEachField(buf, start, end, (field, wireType, _tagStart, valueStart, next) => {
    if (!ok) return;
    if (field === 1) ok = wireType === BYTES;
    else if (field === 2) {
      if (wireType !== BYTES) ok = false;
      else frameworkId = lastFrameworkId.read(buf, valueStart, next);
    } else if (field === 3) {
      const name = wireType === VARINT ? names.taskState[low32(buf, valueStart, next)] : undefined;
      if (name === undefined) ok = false;
      else state = name as TaskState;
    } else if (field === 4) {
      const read = wireType === BYTES && status === null ? readStatus(buf, valueStart, next, names) : undefined;
      if (read === undefined) ok = false;
      else status = read;
    }
  });
  return parsed && ok ? { info: null, frameworkId, state, status } : undefined;
}

function readStatus(buf: Buffer, start: number, end: number, names: EnumNames): TaskStatus | undefined {
  const s: TaskStatus = {
    taskId: '', state: names.taskState[0] as TaskState, reason: names.reason[0] as TaskStatus['reason'], source: names.source[0] as TaskStatus['source'],
    message: '', agentId: '', frameworkId: '', uuid: '', timestamp: 0, hasExitCode: false, exitCode: 0, healthy: false, hasHealthy: false, containerId: '',
  };
  let ok = true;
  const parsed = forEachField(buf, start, end, (field, wireType, _tagStart, valueStart, next) => {
    if (!ok || field < 1 || field > 14) return;
    const expected = field === 9 ? FIXED64 : STRING_FIELDS.has(field) ? BYTES : VARINT;
    if (wireType !== expected) {
      ok = false;
      return;
    }
    if (wireType === BYTES) {
      if (field === 6) s.agentId = lastAgentId.read(buf, valueStart, next);
      else if (field === 7) s.frameworkId = lastFrameworkId.read(buf, valueStart, next);
      else {
        const text = buf.toString('utf8', valueStart, next);
        if (field === 1) s.taskId = text;
        else if (field === 5) s.message = text;
        else if (field === 8) s.uuid = text;
        else s.containerId = text;
      }
      return;
    }
    if (wireType === FIXED64) {
      s.timestamp = buf.readDoubleLE(valueStart);
      return;
    }
    const value = low32(buf, valueStart, next);
    if (field === 2 || field === 3 || field === 4) {
      const name = (field === 2 ? names.taskState : field === 3 ? names.reason : names.source)[value];
      if (name === undefined) ok = false;
      else if (field === 2) s.state = name as TaskState;
      else if (field === 3) s.reason = name as TaskStatus['reason'];
      else s.source = name as TaskStatus['source'];
    } else if (field === 10) s.hasExitCode = value !== 0;
    else if (field === 11) s.exitCode = value;
    else if (field === 12) s.healthy = value !== 0;
    else s.hasHealthy = value !== 0;
  });
  return parsed && ok ? s : undefined;
}

const STRING_FIELDS = new Set([1, 5, 6, 7, 8, 14]);

/**
 * The text of the last bytes read, given again for the same bytes: a register's tasks
 * and statuses name the same framework and agent over and over (one string, not one each).
 */
class LastText {
  private bytes = Buffer.alloc(0);
  private value = '';

  read(buf: Buffer, start: number, end: number): string {
    if (end - start === this.bytes.length && buf.compare(this.bytes, 0, this.bytes.length, start, end) === 0) return this.value;
    this.value = buf.toString('utf8', start, end);
    this.bytes = Buffer.from(buf.subarray(start, end));
    return this.value;
  }
}

const lastFrameworkId = new LastText();
const lastAgentId = new LastText();

/** The low 32 bits of the varint in buf[start, end), as protobufjs reads an int32, enum or bool. */
function low32(buf: Buffer, start: number, end: number): number {
  let value = 0;
  for (let i = start, shift = 0; i < end && shift < 32; i++, shift += 7) value |= ((buf[i] as number) & 0x7f) << shift;
  return value | 0;
}

interface EnumNames {
  taskState: readonly (string | undefined)[];
  reason: readonly (string | undefined)[];
  source: readonly (string | undefined)[];
}

let enums: EnumNames | undefined;

/**
 * The names of TaskState, StatusReason and StatusSource values 0-127, as the generated
 * decoder gives them (asked of it once, so the two cannot disagree); a value it has no
 * name for is left out (and such a task is left to it).
 */
function enumNames(): EnumNames {
  if (enums) return enums;
  const decode = tandemV1().Agent.service.Connect.requestDeserialize as (b: Buffer) => AgentMessage;
  // AgentMessage.register = 1 > RegisterAgent.tasks = 2 > Task.status = 4 > TaskStatus.{state = 2, reason = 3, source = 4}.
  const status = (field: number, value: number) => {
    const st = new WireParts().varint(field << 3).varint(value);
    const task = new WireParts().tag(4).varint(st.length).bytes(st);
    const reg = new WireParts().tag(2).varint(task.length).bytes(task);
    return decode(new WireParts().tag(1).varint(reg.length).bytes(reg).build()).register?.tasks[0]?.status;
  };
  const names = (pick: (s: TaskStatus | null | undefined) => unknown, field: number) =>
    Array.from({ length: 128 }, (_, n) => {
      const name = pick(status(field, n));
      return typeof name === 'string' ? name : undefined;
    });
  enums = { taskState: names((s) => s?.state, 2), reason: names((s) => s?.reason, 3), source: names((s) => s?.source, 4) };
  return enums;
}
