import { type AgentState, type ClusterState, type FrameworkState, isTerminal, nowSeconds, type OperatorEvent, type Task } from '@tandem/protocol';

/** What one Watch event did to the model. */
export type Applied = 'changed' | 'unchanged' | 'refetch';

/** How many finished tasks the model keeps (the master keeps its own bounded list). */
export const MAX_COMPLETED_TASKS = 1000;

/**
 * The cluster as Operator.Watch tells it: the `subscribed` state, then each event applied
 * in place. An event kind it does not know (added to the proto later) asks the caller to
 * read the whole state again ('refetch').
 */
export class ClusterModel {
  private state: ClusterState | undefined;
  private readonly agents = new Map<string, AgentState>();
  private readonly frameworks = new Map<string, FrameworkState>();
  private readonly tasks = new Map<string, Task>();
  private completed: Task[] = [];

  /** Replaces everything with `state` (the `subscribed` event, or a GetState). */
  reset(state: ClusterState): void {
    this.state = state;
    this.agents.clear();
    this.frameworks.clear();
    this.tasks.clear();
    for (const a of state.agents) this.agents.set(a.info?.id ?? '', a);
    for (const f of state.frameworks) this.frameworks.set(f.info?.id ?? '', f);
    for (const t of state.tasks) this.tasks.set(t.info?.taskId ?? '', t);
    this.completed = [...state.completedTasks];
  }

  /** Whether the model holds a state yet. */
  get ready(): boolean {
    return this.state !== undefined;
  }

  /** The state now, in the shape of GetState's answer. */
  snapshot(): ClusterState {
    const base = this.state;
    if (!base) throw new Error('the cluster model has no state yet');
    return {
      ...base,
      agents: [...this.agents.values()],
      frameworks: [...this.frameworks.values()],
      tasks: [...this.tasks.values()],
      completedTasks: this.completed,
    };
  }

  apply(event: OperatorEvent): Applied {
    switch (event.event) {
      case 'subscribed':
        if (!event.subscribed) return 'unchanged';
        this.reset(event.subscribed);
        return 'changed';
      case 'heartbeat':
        return 'unchanged';
      case 'taskAdded': {
        const task = event.taskAdded;
        if (!task?.info) return 'unchanged';
        this.tasks.set(task.info.taskId, task);
        return 'changed';
      }
      case 'taskUpdated': {
        const status = event.taskUpdated;
        if (!status) return 'unchanged';
        const known = this.tasks.get(status.taskId);
        const task: Task = known ? { ...known, state: status.state, status } : { info: null, frameworkId: status.frameworkId, state: status.state, status };
        if (isTerminal(status.state)) {
          this.tasks.delete(status.taskId);
          this.completed = [...this.completed, task].slice(-MAX_COMPLETED_TASKS);
        } else {
          this.tasks.set(status.taskId, task);
        }
        return 'changed';
      }
      case 'agentAdded': {
        const info = event.agentAdded;
        if (!info) return 'unchanged';
        const known = this.agents.get(info.id);
        this.agents.set(info.id, {
          ...(known ?? { allocated: [], offered: [], registeredAt: nowSeconds() }),
          info,
          status: 'AGENT_ACTIVE',
          total: info.resources,
        } as AgentState);
        return 'changed';
      }
      case 'agentUnreachable':
        return this.setAgentStatus(event.agentUnreachable?.id, 'AGENT_UNREACHABLE');
      case 'agentRemoved':
        return this.setAgentStatus(event.agentRemoved, 'AGENT_GONE');
      case 'frameworkAdded': {
        const info = event.frameworkAdded;
        if (!info) return 'unchanged';
        const known = this.frameworks.get(info.id);
        this.frameworks.set(info.id, {
          ...(known ?? { allocated: [], offered: [], registeredAt: nowSeconds() }),
          info,
          connected: true,
          disconnectedAt: 0,
        });
        return 'changed';
      }
      case 'frameworkRemoved':
        return this.frameworks.delete(event.frameworkRemoved ?? '') ? 'changed' : 'unchanged';
      default:
        return 'refetch';
    }
  }

  private setAgentStatus(id: string | undefined, status: AgentState['status']): Applied {
    const known = this.agents.get(id ?? '');
    if (!known) return 'refetch';
    this.agents.set(id ?? '', { ...known, status });
    return 'changed';
  }
}
