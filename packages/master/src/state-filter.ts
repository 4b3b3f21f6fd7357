import type { ClusterStateInit, OperatorEventInit } from '@tandem/protocol';

/** Whether the caller may see what belongs to the framework with this id (the `view` ACL). */
export type MayViewFramework = (frameworkId: string) => boolean;

/**
 * The cluster state as a caller may see it: frameworks, their tasks and their offers only
 * where `mayView` allows; agents and roles as they are (roles still name every framework id
 * subscribed to them: ids are not secrets, commands and environments are).
 */
export function visibleState(state: ClusterStateInit, mayView: MayViewFramework): ClusterStateInit {
  return {
    ...state,
    frameworks: (state.frameworks ?? []).filter((f) => mayView(f.info?.id ?? '')),
    tasks: (state.tasks ?? []).filter((t) => mayView(t.frameworkId ?? '')),
    completedTasks: (state.completedTasks ?? []).filter((t) => mayView(t.frameworkId ?? '')),
    offers: (state.offers ?? []).filter((o) => mayView(o.frameworkId ?? '')),
  };
}

/** An event as a caller may see it, or undefined when it is about a framework it may not view. */
export function visibleEvent(event: OperatorEventInit, mayView: MayViewFramework): OperatorEventInit | undefined {
  if (event.subscribed) return { subscribed: visibleState(event.subscribed, mayView) };
  const frameworkId = event.taskAdded?.frameworkId ?? event.taskUpdated?.frameworkId ?? event.frameworkAdded?.id ?? event.frameworkRemoved ?? undefined;
  if (frameworkId !== undefined && frameworkId !== null && !mayView(frameworkId)) return undefined;
  return event;
}
