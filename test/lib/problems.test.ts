import { FlavorDefinitionError, FlavorsError, PolicyError, PropsError } from '../../lib/errors';
import { Problems } from '../../lib/problems';
import { thrownBy } from '../helpers/thrown';

describe('Problems', () => {
  test('Given no problems, When throwIfAny, Then nothing is thrown', () => {
    expect(() => new Problems().throwIfAny('X')).not.toThrow();
  });

  test('Given only warnings, When throwIfAny, Then nothing is thrown and the warnings are kept', () => {
    const problems = new Problems();
    problems.warning('regions', 'FLAVOR_SINGLE_REGION', 'one region only.');
    expect(() => problems.throwIfAny('X')).not.toThrow();
    expect(problems.all).toEqual([{ path: 'regions', code: 'FLAVOR_SINGLE_REGION', message: 'one region only.', severity: 'warning' }]);
    expect(problems.errors).toEqual([]);
  });

  test('Given errors and a warning, When throwIfAny, Then one PropsError carries every error in order, one line each, and the first code', () => {
    const problems = new Problems();
    problems.error('natGateways', 'VPC_NAT_GATEWAYS_INVALID', 'natGateways must be from 1 to 3, got 0.');
    problems.warning('cidr', 'VPC_CIDR_SMALL', 'a /24 leaves little room.');
    problems.add([{ path: '', code: 'VPC_REGION_UNKNOWN', message: 'the region is not in the catalog.', severity: 'error' }]);
    let thrown: unknown;
    try {
      problems.throwIfAny('RegionalVpc Stack/Network');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PropsError);
    expect(thrown).toBeInstanceOf(FlavorsError);
    const error = thrown as PropsError;
    expect(error.code).toBe('VPC_NAT_GATEWAYS_INVALID');
    expect(error.source).toBe('RegionalVpc Stack/Network');
    expect(error.problems.map((p) => p.code)).toEqual(['VPC_NAT_GATEWAYS_INVALID', 'VPC_REGION_UNKNOWN']);
    expect(error.message).toBe(
      [
        'RegionalVpc Stack/Network: natGateways: VPC_NAT_GATEWAYS_INVALID: natGateways must be from 1 to 3, got 0.',
        'RegionalVpc Stack/Network: VPC_REGION_UNKNOWN: the region is not in the catalog.',
      ].join('\n'),
    );
  });

  test("Given an explicit code and no source, When throwIfAny, Then the code is the error's and lines start at the path", () => {
    const problems = new Problems();
    problems.error('replicaRegions[0]', 'LOOKUP_TABLE_INVALID', "'x' is not a region.");
    expect(thrownBy(() => problems.throwIfAny(undefined, 'LOOKUP_TABLE_INVALID'))).toMatchObject({
      code: 'LOOKUP_TABLE_INVALID',
      message: "replicaRegions[0]: LOOKUP_TABLE_INVALID: 'x' is not a region.",
    });
  });
});

describe('the PropsError family', () => {
  const problem = { path: 'name', code: 'FLAVOR_NAME_INVALID', message: 'must be kebab-case.', severity: 'error' as const };

  test('Given a flavor file problem, Then FlavorDefinitionError is a PropsError naming the file', () => {
    const error = new FlavorDefinitionError([problem], 'flavors/x.ts');
    expect(error).toBeInstanceOf(PropsError);
    expect(error.name).toBe('FlavorDefinitionError');
    expect(error.message).toBe('flavors/x.ts: name: FLAVOR_NAME_INVALID: must be kebab-case.');
  });

  test('Given only warnings, Then a FlavorDefinitionError falls back to FLAVOR_INVALID and a PolicyError to POLICY_INVALID when empty', () => {
    expect(new FlavorDefinitionError([{ ...problem, severity: 'warning' }]).code).toBe('FLAVOR_INVALID');
    expect(new PolicyError([]).code).toBe('POLICY_INVALID');
  });
});
