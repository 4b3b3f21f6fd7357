import { describe, expect, it } from 'vitest';
import { tandemV1 } from './loader.js';
import { fieldSlices, forEachField, nestedSlices, varintLength, WireParts } from './wire-fields.js';

const encodeLaunch = (m: unknown): Buffer => tandemV1().Agent.service.Connect.responseSerialize(m as never) as Buffer;

describe('wire-fields', () => {
  it('walks the fields of a message, varints of every length included', () => {
    // MasterMessage.launch_tasks = 2 { tasks = 2 [TaskInfo{task_id = 1, name = 2}] }, a name longer than 127 bytes.
    const long = 'n'.repeat(300);
    const buf = encodeLaunch({ launchTasks: { tasks: [{ taskId: 't1', name: long }, { taskId: 't2' }] } });
    const tasks = nestedSlices(buf, [2], 2);
    expect(tasks).toHaveLength(2);
    const fields: [number, number, string][] = [];
    const [start, end] = tasks[0] as [number, number];
    expect(forEachField(buf, start, end, (f, w, _t, vs, e) => fields.push([f, w, buf.toString('utf8', vs, e)]))).toBe(true);
    expect(fields).toEqual([
      [1, 2, 't1'],
      [2, 2, long],
    ]);
    expect(fieldSlices(buf, 0, buf.length, 7)).toEqual([]);
  });

  it('answers false for truncated bytes and unknown wire types', () => {
    const buf = encodeLaunch({ launchTasks: { tasks: [{ taskId: 't1', name: 'x'.repeat(200) }] } });
    expect(forEachField(buf, 0, buf.length - 1, () => undefined)).toBe(false);
    expect(forEachField(Buffer.from([0x80]), 0, 1, () => undefined)).toBe(false);
    expect(forEachField(Buffer.from([(1 << 3) | 3]), 0, 1, () => undefined)).toBe(false);
    expect(fieldSlices(buf, 0, buf.length - 1, 2)).toEqual([]);
  });

  it('writes varints and bytes into one buffer', () => {
    for (const n of [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31, 2 ** 40]) {
      const out = new WireParts().varint(n).build();
      expect(out.length).toBe(varintLength(n));
      let value = 0;
      let scale = 1;
      for (const b of out) {
        value += (b & 0x7f) * scale;
        scale *= 128;
      }
      expect(value).toBe(n);
    }
    const inner = new WireParts().bytes(Buffer.from('abc'));
    expect([...new WireParts().tag(2).varint(inner.length).bytes(inner).build()]).toEqual([0x12, 3, 0x61, 0x62, 0x63]);
  });
});
