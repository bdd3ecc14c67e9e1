import { dangerousChanges, type StageDiff } from './pr-diff';

/** One `cdk deploy '<stage>/*'` job of the deploy workflow. */
export interface DeployJob {
  /** The Stage: a flavor name, or the control plane. */
  readonly stage: string;
  /** Region the job's credentials are issued for (the flavor's primary). */
  readonly region: string;
  /** GitHub environment: the approval one when the change replaces or removes stateful resources. */
  readonly environment: string;
  /** Stateful resources this deploy would replace or remove (`<stack>/<logicalId>`). */
  readonly stateful: readonly string[];
}

/** The GitHub environments the deploy workflow uses; the approval one has required reviewers. */
export const DEPLOY_ENVIRONMENTS = { auto: 'flavors-deploy', approval: 'flavors-deploy-approval' } as const;

/**
 * The deploy plan of a push: the control plane first, then one job per flavor Stage that still
 * exists. A Stage whose diff replaces or removes a stateful resource goes to the approval
 * environment, so a person reads the diff before data can be lost.
 */
export function deployMatrix(
  diffs: readonly StageDiff[],
  stages: ReadonlyArray<{ readonly stage: string; readonly region: string }>,
  controlPlane: { readonly stage: string; readonly region: string },
): { controlPlane: DeployJob; flavors: DeployJob[] } {
  const job = (stage: string, region: string): DeployJob => {
    const stateful = dangerousChanges(diffs.filter((d) => d.stage === stage)).map((c) => `${c.stack}/${c.logicalId}`);
    return { stage, region, environment: stateful.length > 0 ? DEPLOY_ENVIRONMENTS.approval : DEPLOY_ENVIRONMENTS.auto, stateful };
  };
  return {
    controlPlane: job(controlPlane.stage, controlPlane.region),
    flavors: stages.filter((s) => s.stage !== controlPlane.stage).map((s) => job(s.stage, s.region)),
  };
}
