import type { IAspect } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { DB_DATA_ROLE, DB_TAGS } from '../database/tags';
import { SNAPSHOT_TARGET_TAG_KEY } from './defaults';

/** The tag a flavor's snapshot policy targets: `flavors:snapshot-target = <flavor>/db-data`. */
export function snapshotTargetTag(flavorName: string): { readonly key: string; readonly value: string } {
  return { key: SNAPSHOT_TARGET_TAG_KEY, value: `${flavorName}/${DB_DATA_ROLE}` };
}

/**
 * Gives every EBS volume tagged `flavors:role = db-data` AND `flavors:flavor = <flavorName>` the
 * snapshot target tag. This is the AND that DLM's target tags cannot express (DLM ORs them).
 *
 * Add it with a priority after the tag aspects (`AspectPriority.MUTATING + 1`), so that tags set
 * through `Tags.of(...)` anywhere in the tree are already on the volume when it looks.
 */
export class DbDataSnapshotTags implements IAspect {
  constructor(private readonly flavorName: string) {}

  visit(node: IConstruct): void {
    if (!(node instanceof ec2.CfnVolume)) return;
    const tags = node.tags.tagValues();
    if (tags[DB_TAGS.role] !== DB_DATA_ROLE || tags[DB_TAGS.flavor] !== this.flavorName) return;
    const { key, value } = snapshotTargetTag(this.flavorName);
    node.tags.setTag(key, value);
  }
}
