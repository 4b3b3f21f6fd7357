import {
  Code,
  checkId,
  isTerminal,
  type MaintenanceScheduleInit,
  type MaintenanceStatusInit,
  type MaintenanceWindowInit,
  nowSeconds,
  TandemError,
  ValidationError,
} from '@tandem/protocol';
import { drainAgent, reactivateAgent } from './agent-drain.js';
import type { InverseOfferAnswers } from './inverse-offer-answers.js';
import type { MasterCore } from './master-core.js';

/** The registry key of the schedule: one record, so that an update is one write. */
export const MAINTENANCE_KEY = 'maintenance/schedule';

/** One window as kept: agents down from `start` for `durationSeconds` (seconds since the epoch). */
export interface Window {
  agentIds: string[];
  start: number;
  durationSeconds: number;
}

interface StoredSchedule {
  windows: Window[];
}

type Answer = 'UNKNOWN' | 'ACCEPTED' | 'DECLINED';

/** An inverse offer made to a framework for an agent of an upcoming window. */
interface InverseOfferEntry {
  id: string;
  frameworkId: string;
  agentId: string;
  window: Window;
  status: Answer;
  answeredAt: number;
}

/** How often the schedule is looked at: windows start and end within this, and new tasks on a draining agent get their inverse offers. */
const TICK_MS = 1_000;
const MAX_WINDOWS = 1_000;
const MAX_DURATION_SECONDS = 10 * 365 * 24 * 3600;

const end = (w: Window): number => w.start + w.durationSeconds;

/**
 * Maintenance windows (Mesos' maintenance schedule). The operator sets the whole schedule
 * at once (recorded in the registry first). While an agent's window is ahead, every
 * framework with a task on it gets an inverse offer naming the window, and may answer it
 * (accept: it can give the agent up; decline: it cannot), which operators read in the
 * status. At the window's start the agent is drained (agent-drain.ts: no offers, its
 * tasks killed with REASON_AGENT_DRAINING) and at its end reactivated, unless an operator
 * drained or reactivated it in between. Inverse offers live in memory: a new master makes
 * them again.
 */
export class Maintenance implements InverseOfferAnswers {
  private windows: Window[] = [];
  /** Each scheduled agent's window. */
  private byAgent = new Map<string, Window>();
  private readonly inverse = new Map<string, InverseOfferEntry>();
  /** The inverse offer made for each `<frameworkId>/<agentId>`. */
  private readonly made = new Map<string, string>();
  /** Windows whose start this master has acted on, by `<start>/<agentId>`. */
  private readonly downDone = new Set<string>();
  private seq = 0;
  private ticker: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly core: MasterCore) {}

  /** Reads the schedule the registry holds. */
  async load(): Promise<void> {
    const stored = await this.core.registry().get<StoredSchedule>(MAINTENANCE_KEY);
    this.setWindows(stored?.value.windows ?? []);
  }

  private setWindows(windows: Window[]): void {
    this.windows = windows;
    this.byAgent = new Map(windows.flatMap((w) => w.agentIds.map((id): [string, Window] => [id, w])));
  }

  /** Starts looking at the schedule (the master leads). */
  start(): void {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
    this.tick();
  }

  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  schedule(): MaintenanceScheduleInit {
    return { windows: this.windows.map((w) => ({ agentIds: [...w.agentIds], start: w.start, durationSeconds: w.durationSeconds })) };
  }

  /** Every agent of the schedule now, for the ACL check of an update. */
  scheduledAgents(): string[] {
    return this.windows.flatMap((w) => w.agentIds);
  }

  /**
   * Replaces the schedule: checked whole (INVALID_ARGUMENT naming the field, NOT_FOUND for
   * an agent the registry never admitted), written to the registry, then acted on.
   */
  update(input: readonly MaintenanceWindowInit[]): Promise<MaintenanceScheduleInit> {
    const run = this.chain.then(async () => {
      const windows = this.check(input);
      try {
        await this.core.registry().put<StoredSchedule>(MAINTENANCE_KEY, { windows });
      } catch (err) {
        const e = TandemError.from(err);
        throw new TandemError(
          Code.Unavailable,
          `the master could not record the maintenance schedule in its registry (${e.message}); nothing changed, try again`,
          {
            cause: err,
          },
        );
      }
      const before = this.windows;
      this.setWindows(windows);
      this.core.log.info({ windows: windows.length, agents: windows.reduce((n, w) => n + w.agentIds.length, 0) }, 'maintenance schedule updated');
      await this.leftSchedule(before);
      this.tick();
      return this.schedule();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Agents whose window left the schedule: their inverse offers are rescinded, and an agent down for it comes back. */
  private async leftSchedule(before: readonly Window[]): Promise<void> {
    const now = nowSeconds();
    for (const w of before) {
      for (const agentId of w.agentIds) {
        const still = this.windowOf(agentId);
        if (still && still.start === w.start && still.durationSeconds === w.durationSeconds) continue;
        this.rescindFor(agentId);
        if (w.start <= now) await this.endDown(agentId, w);
      }
    }
  }

  private check(input: readonly MaintenanceWindowInit[]): Window[] {
    if (input.length > MAX_WINDOWS) throw new ValidationError('windows', `at most ${MAX_WINDOWS} windows, got ${input.length}`);
    const seen = new Map<string, string>();
    return input.map((w, i) => {
      const field = `windows[${i}]`;
      const ids = w.agentIds ?? [];
      if (ids.length === 0) throw new ValidationError(`${field}.agent_ids`, 'at least one agent id is required');
      ids.forEach((raw, j) => {
        const id = checkId(`${field}.agent_ids[${j}]`, raw);
        const other = seen.get(id);
        if (other) throw new ValidationError(`${field}.agent_ids[${j}]`, `agent ${id} is in ${other} already; an agent may be in one window only`);
        seen.set(id, field);
        if (!this.core.agents.has(id) && !this.core.agentRegistry.knows(id)) {
          throw new TandemError(Code.NotFound, `${field}.agent_ids[${j}]: agent ${id} is not known to the master: its registry never admitted it`, {
            field: `${field}.agent_ids[${j}]`,
          });
        }
      });
      const start = Number(w.start);
      if (!Number.isFinite(start) || start < 0) throw new ValidationError(`${field}.start`, `must be a time in seconds since the epoch, got ${w.start}`);
      const duration = Number(w.durationSeconds);
      if (!Number.isFinite(duration) || duration <= 0 || duration > MAX_DURATION_SECONDS) {
        throw new ValidationError(`${field}.duration_seconds`, `must be a number of seconds > 0 and at most ten years, got ${w.durationSeconds}`);
      }
      return { agentIds: [...ids], start, durationSeconds: duration };
    });
  }

  private windowOf(agentId: string): Window | undefined {
    return this.byAgent.get(agentId);
  }

  /** One look at the schedule: inverse offers for upcoming windows, drains at their starts, reactivations at their ends. */
  private tick(): void {
    if (!this.core.running()) return;
    const now = nowSeconds();
    for (const w of this.windows) {
      for (const agentId of w.agentIds) {
        if (now < w.start) this.offerBack(agentId, w);
        else if (now < end(w)) void this.goDown(agentId, w);
        else {
          this.rescindFor(agentId);
          void this.endDown(agentId, w);
        }
      }
    }
  }

  /** Sends an inverse offer to each connected framework with a task on the agent that has none for it yet. */
  private offerBack(agentId: string, window: Window): void {
    const agent = this.core.agents.get(agentId);
    if (!agent) return;
    const frameworks = new Set<string>();
    for (const key of agent.taskKeys) {
      const task = this.core.tasks.get(key);
      if (task && !isTerminal(task.state)) frameworks.add(task.frameworkId);
    }
    for (const frameworkId of frameworks) {
      const fw = this.core.frameworks.get(frameworkId);
      if (!fw?.stream || this.made.has(`${frameworkId}/${agentId}`)) continue;
      const entry: InverseOfferEntry = { id: `${this.core.masterId}-IO${++this.seq}`, frameworkId, agentId, window, status: 'UNKNOWN', answeredAt: 0 };
      this.inverse.set(entry.id, entry);
      this.made.set(`${frameworkId}/${agentId}`, entry.id);
      fw.stream.send({
        inverseOffers: {
          inverseOffers: [
            {
              id: entry.id,
              frameworkId,
              agentId,
              hostname: agent.info.hostname,
              unavailability: { start: window.start, durationSeconds: window.durationSeconds },
            },
          ],
        },
      });
      this.core.log.info({ agentId, frameworkId, inverseOfferId: entry.id }, 'inverse offer: the agent goes down for maintenance');
    }
  }

  private rescindFor(agentId: string): void {
    for (const entry of [...this.inverse.values()]) {
      if (entry.agentId !== agentId) continue;
      this.inverse.delete(entry.id);
      this.made.delete(`${entry.frameworkId}/${agentId}`);
      this.core.frameworks.get(entry.frameworkId)?.stream?.send({ rescindInverseOffers: { inverseOfferIds: [entry.id] } });
    }
  }

  /** The window started: the agent is drained (once per window on this master; an operator's reactivation holds). */
  private async goDown(agentId: string, window: Window): Promise<void> {
    const key = `${window.start}/${agentId}`;
    if (this.downDone.has(key)) return;
    this.downDone.add(key);
    if (this.core.drains.has(agentId)) return;
    try {
      await drainAgent(this.core, { agentId, markGone: false, maintenanceUntil: end(window) });
      this.core.log.warn({ agentId, until: new Date(end(window) * 1000).toISOString() }, 'agent down for maintenance: drained until its window ends');
    } catch (err) {
      this.downDone.delete(key);
      this.core.log.error({ agentId, err: TandemError.from(err).message }, 'could not drain the agent for its maintenance window; trying again');
    }
  }

  /** The window ended (or left the schedule): an agent drained for it is reactivated; an operator's own drain stays. */
  private async endDown(agentId: string, window: Window): Promise<void> {
    const drain = this.core.drains.get(agentId);
    if (drain?.maintenanceUntil === undefined) return;
    try {
      await reactivateAgent(this.core, agentId);
      this.downDone.delete(`${window.start}/${agentId}`);
      this.core.log.info({ agentId }, 'maintenance window over: agent reactivated');
    } catch (err) {
      this.core.log.error({ agentId, err: TandemError.from(err).message }, 'could not reactivate the agent after its maintenance window; trying again');
    }
  }

  unavailabilityOf(agentId: string): { start: number; durationSeconds: number } | undefined {
    const w = this.windowOf(agentId);
    return w && nowSeconds() < end(w) ? { start: w.start, durationSeconds: w.durationSeconds } : undefined;
  }

  /** A framework's ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS; an id not made to it is NOT_FOUND naming the field. */
  answer(frameworkId: string, ids: readonly string[], accepted: boolean, field: string): void {
    if (ids.length === 0) throw new ValidationError(`${field}.inverse_offer_ids`, 'at least one inverse offer id is required');
    const entries = ids.map((id, i) => {
      const entry = this.inverse.get(id);
      if (!entry || entry.frameworkId !== frameworkId) {
        throw new TandemError(Code.NotFound, `${field}.inverse_offer_ids[${i}]: inverse offer ${String(id).slice(0, 80)} is unknown or was rescinded`, {
          field: `${field}.inverse_offer_ids[${i}]`,
        });
      }
      return entry;
    });
    for (const e of entries) {
      e.status = accepted ? 'ACCEPTED' : 'DECLINED';
      e.answeredAt = nowSeconds();
    }
  }

  /** Every agent of the schedule: its mode and the answers to its inverse offers. */
  status(): MaintenanceStatusInit {
    const now = nowSeconds();
    const answers = [...this.inverse.values()];
    return {
      agents: this.windows.flatMap((w) =>
        w.agentIds.map((agentId) => ({
          agentId,
          mode: now < w.start ? 'DRAINING' : now < end(w) ? 'DOWN' : 'UP',
          start: w.start,
          durationSeconds: w.durationSeconds,
          inverseOffers: answers
            .filter((e) => e.agentId === agentId)
            .map((e) => ({ inverseOfferId: e.id, frameworkId: e.frameworkId, status: e.status, answeredAt: e.answeredAt })),
        })),
      ),
    };
  }
}
