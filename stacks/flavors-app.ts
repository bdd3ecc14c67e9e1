import type { App } from 'aws-cdk-lib';
import { FlavorsError } from '../lib/errors';
import { flavorRegions } from '../lib/flavor/define-flavor';
import type { Flavor } from '../lib/flavor/types';
import type { StageRegions } from '../lib/residency/check-assembly';
import { FlavorStage } from './flavor-stage';

/** Accounts per flavor name; `default` serves any flavor not listed, so a new flavor file needs no other edit. */
export type AccountMap = Readonly<Record<string, string>>;

export function accountFor(accounts: AccountMap, name: string): string {
  const account = accounts[name] ?? accounts.default;
  if (!account || !/^\d{12}$/.test(account)) {
    throw new FlavorsError('APP_ACCOUNT_MISSING',
      `cdk.json context 'accounts' has no 12-digit account for '${name}' and no 'default'; add "${name}": "<account id>" or "default".`);
  }
  return account;
}

/** Adds one FlavorStage per flavor and returns what the residency check needs. Wiring only. */
export function addFlavorStages(app: App, flavors: readonly Flavor[], accounts: AccountMap): { stages: FlavorStage[]; stageRegions: StageRegions } {
  const stages = flavors.map((flavor) => new FlavorStage(app, { flavor, account: accountFor(accounts, flavor.name) }));
  const stageRegions: Record<string, readonly string[]> = {};
  for (const flavor of flavors) stageRegions[flavor.name] = flavorRegions(flavor);
  return { stages, stageRegions };
}
