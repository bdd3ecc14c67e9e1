import { isObj } from '../../unknown-values';
import { regionsMentioned } from './foreign-region-reference';

export { isObj };

/** Every literal string inside a template value (an ARN may be an `Fn::Join` of literals and references). */
export function literalStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(literalStrings);
  if (isObj(value)) return Object.values(value).flatMap(literalStrings);
  return [];
}

/** The distinct region names a template value spells out in its literals. */
export function regionsNamed(value: unknown): string[] {
  return [...new Set(literalStrings(value).flatMap(regionsMentioned))];
}

/**
 * True for a value CloudFormation resolves from another resource of the deployment (`Ref`,
 * `Fn::GetAtt`, `Fn::ImportValue`, a dynamic reference): its region is that resource's, which the
 * assembly check already holds to the flavor. A pseudo parameter other than `AWS::Region` is not one.
 */
export function isResourceReference(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith('{{resolve:');
  if (!isObj(value)) return false;
  if (typeof value.Ref === 'string') return !value.Ref.startsWith('AWS::') || value.Ref === 'AWS::Region';
  return 'Fn::GetAtt' in value || 'Fn::ImportValue' in value;
}
