// The GitHub workflows are code too: what they promise (no stored secrets, OIDC, order, approvals) is pinned here.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { DEPLOY_ENVIRONMENTS } from '../lib/diff/deploy-matrix';
import { ROOT } from './helpers/run-cli';

const read = (name: string) => fs.readFileSync(path.join(ROOT, '.github', 'workflows', name), 'utf-8');

describe('deploy workflow', () => {
  const text = read('deploy.yml');
  const workflow = parse(text);

  test('Given the deploy workflow, Then no stored secret is used and credentials come from OIDC with a role from repository variables', () => {
    expect(text).not.toMatch(/secrets\./);
    for (const name of ['control-plane', 'flavor']) {
      const job = workflow.jobs[name];
      expect(job.permissions['id-token']).toBe('write');
      const creds = job.steps.find((s: { uses?: string }) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
      expect(creds.with['role-to-assume']).toBe('${{ vars.FLAVORS_DEPLOY_ROLE_ARN }}');
    }
  });

  test('Given the jobs, Then the control plane deploys first and each flavor deploys its own stage from the plan', () => {
    expect(workflow.on.push.branches).toEqual(['main']);
    expect(workflow.jobs['control-plane'].needs).toBe('plan');
    expect(workflow.jobs.flavor.needs).toEqual(['plan', 'control-plane']);
    expect(workflow.jobs.flavor.strategy.matrix.include).toBe('${{ fromJSON(needs.plan.outputs.flavors) }}');
    expect(workflow.jobs.flavor.steps.at(-1).run).toBe("npx cdk deploy '${{ matrix.stage }}/*' --require-approval never");
    expect(workflow.jobs['control-plane'].steps.at(-1).run).toBe("npx cdk deploy 'control-plane/*' --require-approval never");
  });

  test('Given the plan step, Then it writes the matrix with flavors diff and the environments are the ones the matrix names', () => {
    const plan = workflow.jobs.plan.steps.find((s: { id?: string }) => s.id === 'plan');
    expect(plan.run).toContain('npx flavors diff --base "$base" --out flavors-diff.md --matrix deploy.json');
    expect(workflow.jobs.flavor.environment).toBe('${{ matrix.environment }}');
    for (const env of Object.values(DEPLOY_ENVIRONMENTS)) expect(text).toContain(env);
  });
});
