import { Aspects, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkSuppressionReason } from '../../lib/nag-suppressions';
import { FlavorStage } from '../../stacks/flavor-stage';
import { importedAlb, MYSQL_FLAVOR } from '../helpers/data-traffic-flavor';
import { testApp } from '../helpers/cdk-app';
import { CONTROL_TOWER_ACKNOWLEDGMENTS, DATA_TRAFFIC_ACKNOWLEDGMENTS } from './acknowledgments';
import { checkTemplate } from './control-tower';

interface NagMetadata {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: readonly string[];
}
const NAG_FINDING = /^(AwsSolutions|NIST\.800\.53\.R5|PCI\.DSS\.321)-/;

// What the MySQL endpoint adds to the pinned flavor-region suppressions of nag.test.ts (reasons in lib/database/mysql-endpoint.ts).
const MYSQL_ENDPOINT_SUPPRESSIONS = ['AwsSolutions-ELB2', 'NIST.800.53.R5-ELBLoggingEnabled', 'PCI.DSS.321-ELBLoggingEnabled'];
const MYSQL_LISTENER_SUPPRESSIONS = ['NIST.800.53.R5-ELBv2ACMCertificateRequired', 'PCI.DSS.321-ELBv2ACMCertificateRequired'];

/**
 * The checked-in flavors have no `mysql` database on EC2 and no team endpoint, so the app-wide
 * control tests never see the MySQL NLB or a regional endpoint record: this runs the same three
 * checkers over a test-only flavor that has both.
 */
describe('controls over the data-traffic resources (test flavor mysql-x: MySQL NLB and regional endpoints)', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-data-traffic-'));
  let stacks: { stack: Stack; templatePath: string; messages: { level: string; data: string }[] }[];

  beforeAll(() => {
    // Given the test flavor's stage with a team ALB in each region and the three cdk-nag packs
    const app = testApp({}, { outdir });
    const stage = new FlavorStage(app, {
      flavor: MYSQL_FLAVOR,
      account: '333333333333',
      dns: { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' },
      endpoints: { 'us-east-1': importedAlb('us-east-1'), 'ap-southeast-2': importedAlb('ap-southeast-2') },
    });
    for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new PCIDSS321Checks()]) Aspects.of(stage).add(pack);
    // When it synthesizes to disk
    const nested = app.synth().getNestedAssembly(stage.artifactId);
    stacks = stage.node
      .findAll()
      .filter((c): c is Stack => c instanceof Stack)
      .map((stack) => {
        const artifact = nested.getStackArtifact(stack.artifactId);
        return {
          stack,
          templatePath: path.join(nested.directory, artifact.templateFile),
          messages: artifact.messages.map((m) => ({
            level: m.level,
            data: typeof m.entry.data === 'string' ? m.entry.data : JSON.stringify(m.entry.data),
          })),
        };
      });
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('then no pack reports an unsuppressed error or warning', () => {
    const findings = stacks.flatMap(({ stack, messages }) =>
      messages
        .filter((m) => (m.level === 'error' || m.level === 'warning') && NAG_FINDING.test(m.data))
        .map((m) => `${stack.stackName}: ${m.data.split(':')[0]}`),
    );
    expect(findings).toEqual([]);
  });

  test('then the NLB suppresses only access logging and its listeners only the ACM certificate, with reasons', () => {
    const resources = stacks.flatMap(({ templatePath }) =>
      Object.values(
        (
          JSON.parse(fs.readFileSync(templatePath, 'utf-8')) as {
            Resources: Record<string, { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress?: NagMetadata[] } } }>;
          }
        ).Resources,
      ),
    );
    const nlbs = resources.filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(nlbs).toHaveLength(2);
    for (const nlb of nlbs) {
      const suppressions = nlb.Metadata?.cdk_nag?.rules_to_suppress ?? [];
      expect(suppressions.map((x) => x.id).sort()).toEqual([...MYSQL_ENDPOINT_SUPPRESSIONS].sort());
      for (const s of suppressions) expect(() => checkSuppressionReason(s)).not.toThrow();
    }
    const listeners = resources.filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners).toHaveLength(4);
    for (const l of listeners) expect((l.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((x) => x.id).sort()).toEqual(MYSQL_LISTENER_SUPPRESSIONS);
    for (const type of ['AWS::ElasticLoadBalancingV2::TargetGroup', 'AWS::Route53::RecordSet']) {
      for (const r of resources.filter((x) => x.Type === type)) expect(r.Metadata?.cdk_nag).toBeUndefined();
    }
  });

  test('then the Control Tower proactive controls find only acknowledged findings, and every data-traffic acknowledgment is used', () => {
    const findings = stacks.flatMap(({ stack, templatePath }) => checkTemplate(templatePath, stack.stackName));
    const acknowledged = [...CONTROL_TOWER_ACKNOWLEDGMENTS, ...DATA_TRAFFIC_ACKNOWLEDGMENTS];
    const unlisted = findings.filter((f) => !acknowledged.some((a) => a.control === f.control && a.logicalId === f.logicalId));
    expect(unlisted.map((f) => `${f.control} ${f.stackName} ${f.logicalId}`)).toEqual([]);
    const stale = DATA_TRAFFIC_ACKNOWLEDGMENTS.filter((a) => !findings.some((f) => f.control === a.control && f.logicalId === a.logicalId));
    expect(stale).toEqual([]);
    for (const a of DATA_TRAFFIC_ACKNOWLEDGMENTS) expect(a.reason.length).toBeGreaterThanOrEqual(40);
  });
});
