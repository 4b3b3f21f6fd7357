/**
 * The fault suite's checker, in the Jepsen manner: after the faults have healed, it
 * compares what the framework was told (LaunchWorkload) with what the cluster runs (the
 * leading master's state, rebuilt from the agents' own reports), and counts
 * - lost: logical tasks that should run and do not (none of their attempts is live), or
 *   that the framework believes RUNNING on an attempt the cluster does not run;
 * - duplicated: live attempts beyond one per logical task (a task launched twice);
 * - undelivered: live attempts whose RUNNING the framework never received (an update lost).
 * Each scenario prints its verdict as one JSON line and appends it to
 * `.tandem/fault-results.jsonl` (read into docs/reliability.md).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminal, type TaskState } from '@tandem/protocol';
import { REPO } from '../../support/cluster.js';
import type { ClusterStateJson } from './ha-cluster.js';
import type { LaunchWorkload } from './launch-workload.js';

export interface Verdict {
  scenario: string;
  operations: number;
  faults: number;
  lost: number;
  duplicated: number;
  undelivered: number;
  /** Seconds from the fault until the control plane was whole again (a leader, every agent and the framework back with it). */
  recovery_s: number;
  /** Seconds from the fault until every logical task ran again as the framework sees it (includes the agents' launch rate). */
  whole_s?: number;
  /** One line per problem found, for the failing test's message. */
  problems: string[];
}

const logicalOf = (attemptId: string): string => attemptId.slice(0, attemptId.lastIndexOf('.'));

export function checkLaunches(
  workload: LaunchWorkload,
  state: ClusterStateJson,
  frameworkId: string,
  run: { scenario: string; faults: number; recoveryS: number; wholeS?: number; operations?: number },
): Verdict {
  const live = new Map<string, string[]>();
  for (const t of state.tasks) {
    if (t.frameworkId !== frameworkId || isTerminal(t.state as TaskState)) continue;
    const logical = logicalOf(t.id);
    live.set(logical, [...(live.get(logical) ?? []), t.id]);
  }
  const problems: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let undelivered = 0;
  for (const name of workload.names()) {
    const attempts = live.get(name) ?? [];
    if (attempts.length === 0) {
      lost++;
      problems.push(`${name}: no attempt runs`);
    }
    if (attempts.length > 1) {
      duplicated += attempts.length - 1;
      problems.push(`${name}: ${attempts.length} attempts run (${attempts.join(', ')})`);
    }
    for (const id of attempts) {
      const told = workload.attempts.get(id)?.states ?? [];
      if (!told.includes('TASK_RUNNING')) {
        undelivered++;
        problems.push(`${id}: runs, but the framework was never told (told ${told.join(' > ') || 'nothing'})`);
      }
    }
  }
  // The framework's belief against the cluster: a RUNNING it was told of must still run.
  for (const a of workload.attempts.values()) {
    if (a.states.at(-1) === 'TASK_RUNNING' && !(live.get(a.logical) ?? []).includes(a.id)) {
      lost++;
      problems.push(`${a.id}: the framework believes it RUNNING; the cluster does not run it`);
    }
  }
  const verdict: Verdict = {
    scenario: run.scenario,
    operations: run.operations ?? workload.operations,
    faults: run.faults,
    lost,
    duplicated,
    undelivered,
    recovery_s: Math.round(run.recoveryS * 10) / 10,
    ...(run.wholeS === undefined ? {} : { whole_s: Math.round(run.wholeS * 10) / 10 }),
    problems,
  };
  report(verdict);
  return verdict;
}

/** Prints the verdict's JSON line (without the problems) and appends it to .tandem/fault-results.jsonl. */
export function report(verdict: Verdict): void {
  const { problems, ...line } = verdict;
  const json = JSON.stringify(line);
  process.stdout.write(`${json}\n`);
  if (problems.length > 0) process.stdout.write(`${problems.slice(0, 20).join('\n')}\n`);
  const dir = join(REPO, '.tandem');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'fault-results.jsonl'), `${JSON.stringify({ ...line, at: new Date().toISOString() })}\n`);
}
