import type { Deployment, DeploymentStep } from './deployment.js';

/** A deployment's plan as Marathon shows it in events and /v2/deployments. */
export function planJson(d: Deployment): Record<string, unknown> {
  return {
    id: d.id,
    version: d.version,
    steps: d.steps,
    original: { id: '/', apps: Object.values(d.original).filter((a) => a !== null) },
    target: { id: '/', apps: Object.values(d.target).filter((a) => a !== null) },
  };
}

/** The step in progress (empty once past the last). */
export function currentStepJson(d: Deployment): DeploymentStep {
  return d.steps[d.currentStep] ?? { actions: [] };
}
