import { defineFlavor } from '../../../lib/flavor/define-flavor';
import { flavorScp, SCP_MAX_CHARS } from '../../../lib/residency/scp';

const flavor = defineFlavor({
  name: 'us-australia',
  residency: { countries: ['US', 'AU'] },
  regions: [
    { region: 'us-east-1', role: 'primary' },
    { region: 'ap-southeast-2', role: 'fallback' },
  ],
});

type Statement = {
  Sid: string;
  Effect: string;
  Resource: string;
  NotAction?: string[];
  Action?: string[];
  Condition: Record<string, Record<string, unknown>>;
};

describe('flavorScp', () => {
  const policy = flavorScp(flavor) as { Statement: Statement[] };

  test('denies every regional action outside the flavor regions', () => {
    const [regionLock] = policy.Statement;
    expect(regionLock.Sid).toBe('DenyOutsideFlavorRegions');
    expect(regionLock.Condition.StringNotEquals['aws:RequestedRegion']).toEqual(['us-east-1', 'ap-southeast-2']);
  });

  test('exempts only global services: data services and KMS stay locked', () => {
    const exempt = policy.Statement[0].NotAction!;
    expect(exempt).toEqual(expect.arrayContaining(['iam:*', 'sts:*', 'route53:*']));
    for (const service of ['kms', 'ec2', 'rds', 'dynamodb', 's3', 'dlm', 'lambda']) {
      expect(exempt.filter((a) => a === `${service}:*`)).toEqual([]);
    }
  });

  test('every statement is a Deny: an SCP that allowed would widen, not lock, the account', () => {
    // Given the generated policy (with and without an exempt principal)
    const withExempt = flavorScp(flavor, { exemptPrincipalArns: ['arn:aws:iam::*:role/BreakGlass'] }) as { Statement: Statement[] };
    // Then there is no statement that is not a Deny, and both the region lock and the key replica deny are there
    for (const p of [policy, withExempt]) {
      expect(p.Statement.map((s) => [s.Sid, s.Effect])).toEqual([
        ['DenyOutsideFlavorRegions', 'Deny'],
        ['DenyKeyReplicasOutsideFlavor', 'Deny'],
      ]);
      expect(p.Statement.every((s) => s.Resource === '*')).toBe(true);
    }
  });

  test('denies KMS key replicas outside the flavor: ReplicateKey to any region not in the flavor, for every principal', () => {
    // ReplicateKey is called in the primary key's region, an allowed one, so only this statement stops a replica abroad
    expect(policy.Statement[1]).toEqual({
      Sid: 'DenyKeyReplicasOutsideFlavor',
      Effect: 'Deny',
      Action: ['kms:ReplicateKey'],
      Resource: '*',
      Condition: { StringNotEquals: { 'kms:ReplicaRegion': ['us-east-1', 'ap-southeast-2'] } },
    });
    // And the region lock does not exempt KMS, so no replica can be created from a region outside the flavor either
    expect(policy.Statement[0].NotAction!.some((a) => a.startsWith('kms:'))).toBe(false);
  });

  test('an exempt principal is exempt from both statements, and only it', () => {
    const withExempt = flavorScp(flavor, { exemptPrincipalArns: ['arn:aws:iam::*:role/BreakGlass'] }) as { Statement: Statement[] };
    for (const s of withExempt.Statement) expect(s.Condition.ArnNotLike).toEqual({ 'aws:PrincipalARN': ['arn:aws:iam::*:role/BreakGlass'] });
  });

  test('a break-glass principal can be exempted, and the policy stays under the Organizations size limit', () => {
    const withExempt = flavorScp(flavor, { exemptPrincipalArns: ['arn:aws:iam::*:role/BreakGlass'] }) as { Statement: Statement[] };
    expect(withExempt.Statement[0].Condition.ArnNotLike).toEqual({ 'aws:PrincipalARN': ['arn:aws:iam::*:role/BreakGlass'] });
    expect(JSON.stringify(withExempt).length).toBeLessThan(SCP_MAX_CHARS);
  });

  test('too many exemptions is a clear error', () => {
    const many = Array.from({ length: 100 }, (_, i) => `arn:aws:iam::123456789012:role/exempt-role-number-${i}`);
    expect(() => flavorScp(flavor, { exemptPrincipalArns: many })).toThrow(
      /SCP for us-australia is \d+ characters, over the 5120 Organizations allows/,
    );
  });
});
