import { Code, componentLogger, type Logger, type QuotaConfigInit, TandemError, type WeightInfoInit } from '@tandem/protocol';
import type { Store } from '@tandem/store';
import type { Allocator, RoleQuota } from './allocator/allocator.js';
import type { ResolvedMasterOptions } from './options.js';
import {
  checkCapacity,
  checkQuotaConfigs,
  checkQuotaTree,
  checkWeights,
  isEmptyQuota,
  type QuotaCheckContext,
  type RoleQuotaConfig,
  type RoleWeight,
} from './role-config-check.js';
import type { AgentEntry } from './state-records.js';

/** Registry keys: one per kind, so that a batch is one write and a crash cannot keep half of it. */
export const WEIGHTS_KEY = 'roles/weights';
export const QUOTAS_KEY = 'roles/quotas';

interface StoredWeights {
  weights: Record<string, number>;
}
interface StoredQuotas {
  quotas: Record<string, { guarantee: Record<string, number>; limit: Record<string, number> }>;
}

const byRole = <T extends { role: string }>(a: T, b: T): number => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0);

/**
 * The operator's role weights and quotas: validated (all or nothing per call), persisted in
 * the master's registry before they take effect, applied to the allocator, and reloaded at
 * start before agents and frameworks come back. Updates run one at a time, so each is
 * validated against the state the previous one left.
 */
/** What role config needs of the master: its start-up options, its agents (for the capacity check) and a way to ask for an allocation pass. */
export interface RoleConfigHost {
  readonly options: Pick<ResolvedMasterOptions, 'weights' | 'quotas' | 'logger'>;
  readonly agents: ReadonlyMap<string, AgentEntry>;
  scheduleAllocation(): void;
}

export class RoleConfig {
  private weights = new Map<string, number>();
  private quotas = new Map<string, RoleQuotaConfig>();
  private store: Store | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    private readonly master: RoleConfigHost,
    private readonly allocator: Allocator,
  ) {
    this.log = componentLogger('roles', master.options.logger);
  }

  /**
   * Loads the stored weights and quotas into the allocator. A kind the registry has never
   * held is taken from the start-up options (`weights`, `quotas`) and stored; once stored,
   * the registry wins (Mesos: "if we recovered weights from the registry, any weights
   * specified on the command-line are ignored").
   */
  async recover(store: Store): Promise<void> {
    this.store = store;
    const { weights: wantWeights, quotas: wantQuotas } = this.master.options;
    const storedWeights = await store.get<StoredWeights>(WEIGHTS_KEY);
    if (storedWeights) {
      if (wantWeights && Object.keys(wantWeights).length > 0)
        this.log.warn('ignoring the start-up weights: the registry holds weights (set them with UpdateWeights)');
      this.loadStored(
        'weights',
        Object.entries(storedWeights.value.weights ?? {}).map(([role, weight]) => ({ role, weight })),
      );
    } else if (wantWeights && Object.keys(wantWeights).length > 0) {
      await this.applyWeights(
        Object.entries(wantWeights).map(([role, weight]) => ({ role, weight })),
        'weights',
      );
    }
    const storedQuotas = await store.get<StoredQuotas>(QUOTAS_KEY);
    if (storedQuotas) {
      if (wantQuotas && Object.keys(wantQuotas).length > 0)
        this.log.warn('ignoring the start-up quotas: the registry holds quotas (set them with UpdateQuota)');
      this.loadStored(
        'quotas',
        Object.entries(storedQuotas.value.quotas ?? {}).map(([role, q]) => ({ role, ...q })),
      );
    } else if (wantQuotas && Object.keys(wantQuotas).length > 0) {
      const configs = Object.entries(wantQuotas).map(([role, q]) => ({ role, guarantee: q.guarantee, limit: q.limit }));
      await this.applyQuotas(configs, true, 'quotas', {});
    }
    if (this.weights.size > 0 || this.quotas.size > 0) {
      this.log.info({ weights: Object.fromEntries(this.weights), quotas: this.quotas.size }, 'role weights and quotas loaded');
    }
  }

  /** Stored values were valid when written; one that is not (edited by hand) is skipped, not fatal. */
  private loadStored(kind: 'weights' | 'quotas', entries: readonly unknown[]): void {
    if (entries.length === 0) return;
    entries.forEach((entry, i) => {
      try {
        if (kind === 'weights') {
          const [w] = checkWeights([entry]);
          if (w) this.setWeight(w);
        } else {
          const [q] = checkQuotaConfigs([entry]);
          if (q) this.setQuota(q);
        }
      } catch (err) {
        this.log.error({ err: TandemError.from(err).message, entry: i }, `skipping an invalid stored ${kind} entry`);
      }
    });
    if (kind === 'quotas') {
      try {
        checkQuotaTree(this.quotas.values(), () => undefined);
      } catch (err) {
        this.log.error({ err: TandemError.from(err).message }, 'the stored quotas do not nest; fix them with UpdateQuota');
      }
    }
  }

  weightOf(role: string): number {
    return this.weights.get(role) ?? 1;
  }

  quotaOf(role: string): RoleQuotaConfig | undefined {
    return this.quotas.get(role);
  }

  /** Roles with a weight or a quota. */
  configuredRoles(): string[] {
    return [...new Set([...this.weights.keys(), ...this.quotas.keys()])].sort();
  }

  listWeights(): WeightInfoInit[] {
    return [...this.weights].map(([role, weight]) => ({ role, weight })).sort(byRole);
  }

  listQuotas(): QuotaConfigInit[] {
    return [...this.quotas.values()].map((q) => ({ role: q.role, guarantee: { ...q.guarantee }, limit: { ...q.limit } })).sort(byRole);
  }

  /** Operator.UpdateWeights: all or nothing; weight 1 resets a role to the default. */
  updateWeights(input: unknown, field = 'weights'): Promise<WeightInfoInit[]> {
    return this.serial(async () => {
      await this.applyWeights(input, field);
      return this.listWeights();
    });
  }

  /** Operator.UpdateQuota: all or nothing; a config with neither guarantee nor limit removes the role's quota. */
  updateQuotas(input: unknown, force: boolean, field = 'quotas'): Promise<QuotaConfigInit[]> {
    return this.serial(async () => {
      const agentScalars = new Set([...this.master.agents.values()].flatMap((a) => (a.phase === 'UNREACHABLE' ? [] : a.total.scalarNames())));
      await this.applyQuotas(input, force, field, { agentScalars });
      return this.listQuotas();
    });
  }

  private async applyWeights(input: unknown, field: string): Promise<void> {
    if (!this.allocator.setWeight) throw new TandemError(Code.Unimplemented, "this master's allocator does not support role weights");
    const batch = checkWeights(input, field);
    const next = new Map(this.weights);
    for (const w of batch) {
      if (w.weight === 1) next.delete(w.role);
      else next.set(w.role, w.weight);
    }
    await this.registry().put<StoredWeights>(WEIGHTS_KEY, { weights: Object.fromEntries(next) });
    for (const w of batch) this.setWeight(w);
    this.log.info({ weights: Object.fromEntries(batch.map((w) => [w.role, w.weight])) }, 'role weights updated');
    this.master.scheduleAllocation();
  }

  /** `ctx` without agent scalars accepts any well-formed scalar name (start-up values, before agents are back). */
  private async applyQuotas(input: unknown, force: boolean, field: string, ctx: QuotaCheckContext): Promise<void> {
    if (!this.allocator.setQuota) throw new TandemError(Code.Unimplemented, "this master's allocator does not support role quotas");
    const batch = checkQuotaConfigs(input, ctx, field);
    const next = new Map(this.quotas);
    for (const q of batch) {
      if (isEmptyQuota(q)) next.delete(q.role);
      else next.set(q.role, q);
    }
    const index = new Map(batch.map((q, i) => [q.role, `${field}[${i}]`]));
    checkQuotaTree(next.values(), (role) => index.get(role));
    if (!force) {
      // As Mesos: every registered agent counts, a disconnected one too (it is likely back soon).
      const agents = [...this.master.agents.values()].filter((a) => a.phase !== 'UNREACHABLE');
      checkCapacity(this.quotas.values(), next.values(), (name) => agents.reduce((sum, a) => sum + a.total.scalar(name), 0), batch, field);
    }
    const stored: StoredQuotas = { quotas: {} };
    for (const q of next.values()) stored.quotas[q.role] = { guarantee: { ...q.guarantee }, limit: { ...q.limit } };
    await this.registry().put<StoredQuotas>(QUOTAS_KEY, stored);
    for (const q of batch) this.setQuota(q);
    this.log.info({ quotas: batch.map((q) => ({ role: q.role, guarantee: q.guarantee, limit: q.limit })), force }, 'role quotas updated');
    this.master.scheduleAllocation();
  }

  private setWeight(w: RoleWeight): void {
    if (w.weight === 1) this.weights.delete(w.role);
    else this.weights.set(w.role, w.weight);
    if (this.allocator.setWeight) this.allocator.setWeight(w.role, w.weight);
    else this.log.warn({ role: w.role }, 'the allocator does not support weights; ignoring');
  }

  private setQuota(q: RoleQuotaConfig): void {
    if (isEmptyQuota(q)) this.quotas.delete(q.role);
    else this.quotas.set(q.role, q);
    if (!this.allocator.setQuota) {
      this.log.warn({ role: q.role }, 'the allocator does not support quotas; ignoring');
      return;
    }
    // An empty record must reach the allocator as "none": an empty guarantee would mark
    // the role as guaranteed and hide its sub-roles' guarantees.
    const quota: RoleQuota = {};
    if (Object.keys(q.guarantee).length > 0) quota.guarantee = q.guarantee;
    if (Object.keys(q.limit).length > 0) quota.limit = q.limit;
    this.allocator.setQuota(q.role, isEmptyQuota(q) ? undefined : quota);
  }

  private registry(): Store {
    if (!this.store) throw new TandemError(Code.Unavailable, 'the master is not started');
    return this.store;
  }

  /** Runs updates one after another, each seeing what the previous one left. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
