/**
 * The fault suite's framework: keeps `count` logical tasks running through whatever the
 * suite does to the cluster, the way a careful framework must, and records what it was
 * told. Each logical task is launched as attempts (`<name>.<n>`); a new attempt is launched
 * only after the master gave a verdict that the last one does not run (a launch whose
 * outcome is unknown is reconciled, never repeated blindly). After each (re-)subscription,
 * and every `reconcileEveryMs`, every attempt still waiting for news is reconciled.
 *
 * The verdicts, as the apps and jobs frameworks read them:
 * - a terminal state: the attempt is over;
 * - TASK_UNKNOWN for an attempt never seen starting: the launch never happened. The
 *   master says UNKNOWN only once no agent it waits for may hold the task (its agent is
 *   back without it, or unknown): a launch sent to a leader that died or froze before
 *   passing it on ends this way;
 * - TASK_UNREACHABLE is no verdict: the task may well run on an agent cut off for now,
 *   and comes back RUNNING when the agent returns. The attempt is kept (a framework that
 *   replaced it would run the task twice once the agent is back).
 */
import { type Offer, type SchedulerDriver, type TaskStatus, taskInfo } from '@tandem/framework-sdk';
import { isTerminal, Resources, type TaskState } from '@tandem/protocol';

export interface Attempt {
  readonly id: string;
  readonly logical: string;
  agentId: string | undefined;
  /** Every state the framework was told, in order. */
  readonly states: TaskState[];
}

export interface LaunchWorkloadOptions {
  count: number;
  prefix?: string;
  cpus?: number;
  mem?: number;
  argv?: string[];
  reconcileEveryMs?: number;
}

export class LaunchWorkload {
  readonly attempts = new Map<string, Attempt>();
  /** Logical task → its current attempt (none while one is to be launched). */
  private readonly current = new Map<string, string>();
  /** Logical task → attempts launched so far. */
  private readonly tries = new Map<string, number>();
  private readonly logical: string[];
  private readonly prefix: string;
  /** Calls made to the master: launches (one per task), reconciliations. */
  operations = 0;
  /** Launch calls that failed (their outcome unknown until reconciled). */
  launchErrors = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly opts: Required<Omit<LaunchWorkloadOptions, 'count' | 'prefix'>>;

  constructor(
    private readonly driver: SchedulerDriver,
    options: LaunchWorkloadOptions,
  ) {
    this.prefix = options.prefix ?? 'w';
    this.logical = [];
    this.extend(options.count);
    this.opts = {
      cpus: options.cpus ?? 0.05,
      mem: options.mem ?? 8,
      argv: options.argv ?? ['sleep', '3600'],
      reconcileEveryMs: options.reconcileEveryMs ?? 2_000,
    };
    this.unsubscribe.push(
      driver.onOffers((offers) => void this.onOffers(offers)),
      driver.onUpdate((s) => this.onUpdate(s)),
      driver.onSubscribed(() => void this.reconcilePending()),
    );
    this.timer = setInterval(() => void this.reconcilePending(), this.opts.reconcileEveryMs);
    this.timer.unref();
  }

  /** Adds `count` logical tasks (a new burst of launches, from the next offers). */
  extend(count: number): void {
    const from = this.logical.length;
    for (let i = from; i < from + count; i++) this.logical.push(`${this.prefix}-${String(i).padStart(4, '0')}`);
  }

  /** Resolves once `whole()`; after `timeoutMs`, rejects saying where each logical task stands. */
  async untilWhole(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.whole()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for all ${this.logical.length} tasks RUNNING: ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Where the logical tasks stand: how many per last state told, and the first few not RUNNING with what they were told. */
  describe(): string {
    const by = new Map<string, string[]>();
    for (const name of this.logical) {
      const id = this.current.get(name);
      const state = id ? (this.stateOf(id) ?? 'launched, nothing told') : 'to launch';
      by.set(state, [...(by.get(state) ?? []), name]);
    }
    const counts = [...by].map(([state, names]) => `${state}: ${names.length}`).join(', ');
    const stuck = this.logical
      .filter((name) => this.stateOf(this.current.get(name)) !== 'TASK_RUNNING')
      .slice(0, 5)
      .map((name) => {
        const id = this.current.get(name);
        return `${id ?? name} (${id ? this.attempts.get(id)?.states.join(' > ') || 'nothing told' : 'no attempt'})`;
      });
    return `${counts}; launch errors ${this.launchErrors}; e.g. ${stuck.join(', ')}`;
  }

  /** How many logical tasks the framework was last told are in `state`. */
  countIn(state: TaskState): number {
    return this.logical.filter((name) => this.stateOf(this.current.get(name)) === state).length;
  }

  /** Logical tasks launched more than once (a later attempt after a terminal verdict on an earlier one). */
  relaunched(): string[] {
    return this.logical.filter((name) => this.attemptsOf(name) > 1);
  }

  /** Every logical task has an attempt the framework was last told is RUNNING. */
  whole(): boolean {
    return this.logical.every((name) => this.stateOf(this.current.get(name)) === 'TASK_RUNNING');
  }

  /** How many logical tasks the framework believes RUNNING. */
  runningCount(): number {
    return this.countIn('TASK_RUNNING');
  }

  names(): readonly string[] {
    return this.logical;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const u of this.unsubscribe) u();
  }

  private attemptsOf(name: string): number {
    return this.tries.get(name) ?? 0;
  }

  private stateOf(attemptId: string | undefined): TaskState | undefined {
    if (!attemptId) return undefined;
    return this.attempts.get(attemptId)?.states.at(-1);
  }

  private async onOffers(offers: Offer[]): Promise<void> {
    for (const offer of offers) {
      const todo = this.logical.filter((name) => !this.current.has(name));
      const free = Resources.fromWire(offer.resources, 'offer');
      const cpusFree = free.scalar('cpus');
      const memFree = free.scalar('mem');
      const fit = Math.max(0, Math.min(todo.length, Math.floor(cpusFree / this.opts.cpus + 1e-9), Math.floor(memFree / this.opts.mem + 1e-9)));
      if (fit === 0) {
        await this.driver.decline(offer.id, 1).catch(() => undefined);
        continue;
      }
      const tasks = todo.slice(0, fit).map((name) => {
        const n = this.attemptsOf(name) + 1;
        this.tries.set(name, n);
        const id = `${name}.${n}`;
        this.attempts.set(id, { id, logical: name, agentId: offer.agentId, states: [] });
        this.current.set(name, id);
        return taskInfo({ id, cpus: this.opts.cpus, mem: this.opts.mem, argv: this.opts.argv }, offer);
      });
      this.operations += tasks.length;
      await this.driver.launch(offer, tasks).catch(() => {
        // Refused or cut off: the outcome is unknown; reconciliation tells.
        this.launchErrors++;
      });
    }
  }

  private onUpdate(s: TaskStatus): void {
    const attempt = this.attempts.get(s.taskId);
    if (!attempt) return;
    attempt.states.push(s.state);
    if (s.agentId) attempt.agentId = s.agentId;
    // A verdict that the current attempt does not run: the logical task is launched again.
    if (this.current.get(attempt.logical) === attempt.id && (isTerminal(s.state) || neverStarted(s.state, attempt))) this.current.delete(attempt.logical);
  }

  private async reconcilePending(): Promise<void> {
    const waiting = [...this.current.values()].filter((id) => this.stateOf(id) !== 'TASK_RUNNING');
    if (waiting.length === 0) return;
    this.operations += 1;
    await this.driver
      .reconcile(waiting.map((id) => ({ taskId: id, ...(this.attempts.get(id)?.agentId ? { agentId: this.attempts.get(id)?.agentId } : {}) })))
      .catch(() => undefined);
  }
}

/** TASK_UNKNOWN for an attempt never told STARTING or RUNNING (nor anything past them): its launch never happened. */
function neverStarted(state: TaskState, attempt: Attempt): boolean {
  return state === 'TASK_UNKNOWN' && attempt.states.every((s) => s === 'TASK_STAGING' || s === 'TASK_UNKNOWN');
}
