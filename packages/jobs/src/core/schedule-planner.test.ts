import { describe, expect, it } from 'vitest';
import type { ScheduleSpec } from '../spec/schedule-spec.js';
import { planSchedule } from './schedule-planner.js';

const spec = (over: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  id: 's',
  cron: '0 * * * *',
  timezone: 'UTC',
  startingDeadlineSeconds: 60,
  concurrencyPolicy: 'ALLOW',
  enabled: true,
  ...over,
});
const at = (s: string): number => Date.parse(s);

describe('schedule planner', () => {
  it('schedule planner - waits until the next instant', () => {
    const d = planSchedule(spec(), at('2024-01-01T10:00:00Z'), at('2024-01-01T10:30:00Z'), false);
    expect(d).toEqual({ kind: 'wait', nextMs: at('2024-01-01T11:00:00Z') });
  });

  it('schedule planner - runs a due instant within the starting deadline', () => {
    expect(planSchedule(spec(), at('2024-01-01T10:00:00Z'), at('2024-01-01T11:00:30Z'), false)).toEqual({ kind: 'run', instantMs: at('2024-01-01T11:00:00Z') });
  });

  it('schedule planner - skips an instant missed by more than startingDeadlineSeconds', () => {
    expect(planSchedule(spec(), at('2024-01-01T10:00:00Z'), at('2024-01-01T11:02:00Z'), false)).toEqual({
      kind: 'skip',
      instantMs: at('2024-01-01T11:00:00Z'),
      reason: 'deadline',
    });
  });

  it('schedule planner - several missed instants: only the latest may run', () => {
    expect(planSchedule(spec({ startingDeadlineSeconds: 3600 }), at('2024-01-01T07:00:00Z'), at('2024-01-01T10:20:00Z'), false)).toEqual({
      kind: 'run',
      instantMs: at('2024-01-01T10:00:00Z'),
    });
  });

  it('schedule planner - FORBID skips while a run is active; ALLOW runs', () => {
    const last = at('2024-01-01T10:00:00Z');
    const now = at('2024-01-01T11:00:01Z');
    expect(planSchedule(spec({ concurrencyPolicy: 'FORBID' }), last, now, true)).toMatchObject({ kind: 'skip', reason: 'forbid' });
    expect(planSchedule(spec({ concurrencyPolicy: 'FORBID' }), last, now, false)).toMatchObject({ kind: 'run' });
    expect(planSchedule(spec({ concurrencyPolicy: 'ALLOW' }), last, now, true)).toMatchObject({ kind: 'run' });
  });

  it('schedule planner - disabled schedules never fire', () => {
    expect(planSchedule(spec({ enabled: false }), at('2024-01-01T10:00:00Z'), at('2024-01-01T12:00:00Z'), false)).toEqual({ kind: 'wait', nextMs: undefined });
  });

  it('schedule planner - DST: Europe/Berlin 02:30 on the spring-forward day fires once at 03:00 local', () => {
    const s = spec({ cron: '30 2 * * *', timezone: 'Europe/Berlin', startingDeadlineSeconds: 900 });
    const last = at('2024-03-30T12:00:00Z');
    const d = planSchedule(s, last, at('2024-03-31T01:05:00Z'), false); // 03:05 CEST
    expect(d).toEqual({ kind: 'run', instantMs: at('2024-03-31T01:00:00Z') });
    expect(planSchedule(s, at('2024-03-31T01:00:00Z'), at('2024-03-31T02:30:00Z'), false)).toMatchObject({ kind: 'wait' });
  });
});
