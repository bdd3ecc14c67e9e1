import { Match, Template } from 'aws-cdk-lib/assertions';
import { accountResolver, controlPlaneSettings } from '../../bin/context';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import { CONTROL_PLANE_STAGE_NAME, ControlPlaneStage, type ControlPlaneStageProps } from '../../stacks/control-plane-stage';
import { addControlPlane } from '../../stacks/flavors-app';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';
import { REPO_FLAVORS } from '../helpers/repo-flavors';

// The flavors as modules: the sandboxed load of the folder is covered by load-flavors.test.ts and flavors-app.test.ts.
const FLAVORS = REPO_FLAVORS;
const ACCOUNTS = accountResolver(CDK_CONTEXT.accounts);
const SETTINGS = controlPlaneSettings(CDK_CONTEXT.controlPlane);
const REGIONS = ['us-east-1', 'eu-central-1', 'ap-southeast-2'];
describe('ControlPlaneStage', () => {
  // Given the control plane as bin/app.ts wires it from cdk.json (cdk-nag: test/controls/app-controls.test.ts)
  const app = testApp();
  const { stage, stageRegions } = addControlPlane(app, FLAVORS, ACCOUNTS, SETTINGS);
  // When it synthesizes
  const assembly = app.synth();
  const nested = assembly.getNestedAssembly(stage.artifactId);
  const templates = new Map<string, Template>();
  // Each region's template is read only: built once (every Template.fromStack re-walks the stage's tree).
  const templateOf = (region: string) => {
    if (!templates.has(region)) templates.set(region, Template.fromStack(stage.regionStacks.get(region)!));
    return templates.get(region)!;
  };

  test('a stage named control-plane with one stack per control-plane region, the table home first', () => {
    expect(stage.stageName).toBe('control-plane');
    expect([...stage.regionStacks.keys()]).toEqual(REGIONS);
    expect(stageRegions).toEqual({ 'control-plane': REGIONS });
    for (const artifact of nested.stacks) {
      expect(artifact.stackName).toBe(`control-plane-${artifact.environment.region}`);
      expect(artifact.environment.account).toBe('444444444444');
      expect(artifact.terminationProtection).toBe(true);
    }
    expect(nested.stacks).toHaveLength(3);
  });

  test('one global table, in the home region, with replicas in the other control-plane regions', () => {
    const [home, ...others] = REGIONS;
    const tables = Object.values(templateOf(home).findResources('AWS::DynamoDB::GlobalTable'));
    expect(tables).toHaveLength(1);
    expect(tables[0].Properties.Replicas.map((r: { Region: string }) => r.Region).sort()).toEqual([...REGIONS].sort());
    for (const region of others) templateOf(region).resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  test('the home stack deploys after the stacks holding the replica keys', () => {
    const home = nested.getStackByName('control-plane-us-east-1');
    const deps = home.dependencies.map((d) => d.id);
    for (const region of ['eu-central-1', 'ap-southeast-2']) expect(deps).toContain(stage.regionStacks.get(region)!.artifactId);
    for (const region of ['eu-central-1', 'ap-southeast-2']) {
      expect(nested.getStackByName(`control-plane-${region}`).dependencies.map((d) => d.id)).not.toContain(home.id);
    }
  });

  test.each(REGIONS)("%s: the replica's key is this region's LookupTableKey alias", (region) => {
    templateOf(region).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/flavors/lookup-table' });
    const [table] = Object.values(templateOf('us-east-1').findResources('AWS::DynamoDB::GlobalTable'));
    const replica = table.Properties.Replicas.find((r: { Region: string }) => r.Region === region);
    const key = replica.SSESpecification.KMSMasterKeyId;
    if (region === 'us-east-1') expect(key).toEqual({ 'Fn::GetAtt': ['TableKeyCCA6FF29', 'Arn'] });
    else expect(key).toBe(`arn:aws:kms:${region}:444444444444:alias/flavors/lookup-table`);
  });

  test.each(REGIONS)('%s: logical ids of the stateful resources are pinned', (region) => {
    const t = templateOf(region);
    const ids = (type: string) => Object.keys(t.findResources(type)).sort();
    expect(ids('AWS::KMS::Key')).toEqual(['LookupServiceLogKeyC55ED435', 'LookupServiceSigningKey864BD356', 'TableKeyCCA6FF29']);
    expect(ids('AWS::Logs::LogGroup')).toEqual(['LookupServiceAccessLogs8BFED532', 'LookupServiceFunctionLogs01696E20']);
    expect(ids('AWS::DynamoDB::GlobalTable')).toEqual(region === 'us-east-1' ? ['LookupTable96C3E8ED'] : []);
  });

  test.each(REGIONS)('%s: the lookup service answers on the shared latency-routed name', (region) => {
    templateOf(region).hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'lookup.flavors.example.com.',
      Region: region,
      SetIdentifier: `lookup-${region}`,
      HostedZoneId: 'Z0000000000000EXAMPLE',
    });
    templateOf(region).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: { Variables: Match.objectLike({ LOOKUP_IDENTITY_ISSUER: SETTINGS.identity.issuer, LOOKUP_ENDPOINT_ZONE: 'flavors.example.com' }) },
    });
  });

  test("residency: the control plane names no region outside its own (the flavors' routing table is in the code, not the template)", () => {
    expect(checkAssemblyResidency(assembly, stageRegions)).toEqual([]);
    for (const artifact of nested.stacks) {
      const fn = Object.values(
        artifact.template.Resources as Record<string, { Type: string; Properties: { Environment: { Variables: Record<string, string> } } }>,
      ).find((r) => r.Type === 'AWS::Lambda::Function')!;
      expect(fn.Properties.Environment.Variables.LOOKUP_FLAVORS).toBeUndefined();
    }
  });

  test('a table replica outside the control plane fails the residency check', () => {
    const narrow = checkAssemblyResidency(assembly, { [CONTROL_PLANE_STAGE_NAME]: ['us-east-1', 'eu-central-1'] });
    expect(narrow.map((v) => v.ruleId)).toEqual(
      expect.arrayContaining(['RES_STACK_REGION', 'RES_GLOBAL_TABLE_REPLICA_REGION', 'RES_FOREIGN_REGION']),
    );
  });

  test('synth needs no context lookup', () => {
    expect([...(assembly.manifest.missing ?? []), ...(nested.manifest.missing ?? [])]).toEqual([]);
  });
});

describe('ControlPlaneStage options and validation', () => {
  const base: ControlPlaneStageProps = {
    account: '444444444444',
    zone: { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' },
    flavors: FLAVORS,
    identity: { issuer: 'https://login.example.com/', jwksUrl: 'https://login.example.com/.well-known/jwks.json', audience: 'flavors-lookup' },
  };

  test('defaults to the three control-plane regions; other regions and the home come from props', () => {
    expect(new ControlPlaneStage(testApp(), base).regions).toEqual(REGIONS);
    const stage = new ControlPlaneStage(testApp(), { ...base, regions: ['eu-central-1', 'eu-west-1'], endpointZone: 'endpoints.example.com' });
    const home = Template.fromStack(stage.regionStacks.get('eu-central-1')!);
    const [table] = Object.values(home.findResources('AWS::DynamoDB::GlobalTable'));
    expect(table.Properties.Replicas.map((r: { Region: string }) => r.Region).sort()).toEqual(['eu-central-1', 'eu-west-1']);
    home.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LOOKUP_ENDPOINT_ZONE: 'endpoints.example.com' }) },
    });
    Template.fromStack(stage.regionStacks.get('eu-west-1')!).resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  test('every problem at once, naming the field', () => {
    const props = {
      ...base,
      account: '4444',
      regions: ['us-east-1', 'mars-north-1', 'us-east-1'],
      zone: { hostedZoneId: 'example', zoneName: 'Flavors.Example.com.' },
    };
    expect(() => new ControlPlaneStage(testApp(), props)).toThrow(
      expect.objectContaining({
        code: 'CONTROL_PLANE_INVALID',
        message: [
          "ControlPlaneStage: account: CONTROL_PLANE_INVALID: account must be a 12-digit AWS account id, got '4444'",
          "ControlPlaneStage: regions[1]: CONTROL_PLANE_INVALID: regions[1] 'mars-north-1' is not a region of the catalog",
          "ControlPlaneStage: regions[2]: CONTROL_PLANE_INVALID: regions[2] 'us-east-1' is listed twice",
          'ControlPlaneStage: zone.hostedZoneId: CONTROL_PLANE_INVALID: zone.hostedZoneId ' +
            "must be a Route 53 zone id like Z0123456789ABCDEFGHIJ, got 'example'",
          'ControlPlaneStage: zone.zoneName: CONTROL_PLANE_INVALID: zone.zoneName must ' +
            "be a lower-case DNS name without a trailing dot, got 'Flavors.Example.com.'",
        ].join('\n'),
      }),
    );
  });

  test('no regions at all', () => {
    expect(() => new ControlPlaneStage(testApp(), { ...base, regions: [] })).toThrow(/regions needs at least one region/);
  });
});

describe('controlPlaneSettings (cdk.json context)', () => {
  test('the example context in cdk.json is valid', () => {
    expect(SETTINGS).toEqual(expect.objectContaining({ hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com', regions: REGIONS }));
  });

  test('the deployed control plane needs an identity audience: cdk.json names it, and its absence is an error naming the key', () => {
    expect(SETTINGS.identity.audience).toBe('flavors-lookup');
    const { issuer, jwksUrl } = SETTINGS.identity;
    for (const identity of [
      { issuer, jwksUrl },
      { issuer, jwksUrl, audience: ' ' },
    ]) {
      expect(() => controlPlaneSettings({ ...(CDK_CONTEXT.controlPlane as object), identity })).toThrow(
        expect.objectContaining({
          code: 'APP_CONTROL_PLANE_INVALID',
          message: expect.stringContaining(
            "cdk.json context 'controlPlane': controlPlane.identity.audience: APP_CONTROL_PLANE_INVALID: " +
              'controlPlane.identity.audience is required: the deployed lookup service',
          ),
        }),
      );
    }
  });

  test("endpoint zone: the flavors' DNS zone (context dns) unless controlPlane.endpointZone says otherwise", () => {
    const { stage } = addControlPlane(testApp(), FLAVORS, ACCOUNTS, SETTINGS, 'endpoints.example.net');
    Template.fromStack(stage.regionStacks.get('us-east-1')!).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LOOKUP_ENDPOINT_ZONE: 'endpoints.example.net' }) },
    });
  });
});
