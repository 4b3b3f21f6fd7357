import { hasHealthChecks } from '../app/health-check-mapping.js';
import { isConverged } from './converge.js';
import type { Deployment } from './deployment.js';
import { currentStepJson, planJson } from './deployment-json.js';
import type { DeploymentRunner } from './deployment-runner.js';
import { readinessTargetOf } from './readiness-gate.js';
import { readyFn } from './readiness-sync.js';
import type { SchedulerContext } from './scheduler-context.js';
import { countable } from './unhealthy-replacement.js';

/** Moves running deployments on: a step is done when each of its apps is at its target (healthy and ready); a timeout rolls back. */
export class DeploymentStepping {
  private readonly rollingBack = new Set<string>();

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly runner: DeploymentRunner,
  ) {}

  async advance(now: number): Promise<void> {
    const running = [...this.ctx.repo.deployments.values()].filter((d) => d.state === 'running').sort((a, b) => a.startedAt - b.startedAt);
    for (const d of running) {
      if (d.timeoutAt !== undefined && now > d.timeoutAt) {
        if (this.rollingBack.has(d.id)) continue;
        this.rollingBack.add(d.id);
        this.ctx.log.warn({ deploymentId: d.id }, 'deployment timed out; rolling back');
        void this.runner.rollback(d, 'failed', 'deployment timed out').catch((err: unknown) => this.ctx.log.error({ err }, 'rollback failed'));
        continue;
      }
      let moved = false;
      while (d.currentStep < d.steps.length && this.stepDone(d, d.currentStep)) {
        this.ctx.events.emit('deployment_step_success', { plan: planJson(d), currentStep: currentStepJson(d) });
        d.currentStep += 1;
        moved = true;
      }
      if (d.currentStep >= d.steps.length) await this.runner.endDeployment(d, 'succeeded');
      else if (moved) {
        await this.ctx.repo.putDeployment(d);
        this.ctx.events.emit('deployment_info', { plan: planJson(d), currentStep: currentStepJson(d) });
        this.ctx.queueTick();
      }
    }
  }

  private stepDone(d: Deployment, step: number): boolean {
    return (d.steps[step]?.actions ?? []).every((a) => {
      const target = d.target[a.app] ?? undefined;
      const gate = readinessTargetOf(d, a.app, step);
      return isConverged(
        target,
        countable(this.ctx.repo.instancesOf(a.app)),
        target ? hasHealthChecks(target) : false,
        gate ? readyFn(this.ctx, gate) : undefined,
      );
    });
  }
}
