/**
 * Catalog of the AWS commercial (`aws` partition) regions: ISO 3166-1 alpha-2 country and the
 * availability zones stacks pin to. Residency is decided from `country`, never from a name prefix
 * (`eu-` regions are in many jurisdictions, `il-central-1` is in none of them).
 *
 * AZ names are account-specific letters; the catalog lists letters every account has, so stacks
 * need no `Fn::GetAZs` or context lookup. Partitions other than `aws` (GovCloud, China, the
 * European Sovereign Cloud) are separate accounts and out of scope for a flavor.
 */
export interface RegionInfo {
  readonly region: string;
  readonly country: string;
  readonly partition: 'aws';
  readonly city: string;
  readonly availabilityZones: readonly string[];
}

function r(region: string, country: string, city: string, letters = 'abc'): RegionInfo {
  return { region, country, city, partition: 'aws', availabilityZones: [...letters].map((l) => `${region}${l}`) };
}

export const REGION_CATALOG: readonly RegionInfo[] = [
  r('us-east-1', 'US', 'N. Virginia'),
  r('us-east-2', 'US', 'Ohio'),
  r('us-west-1', 'US', 'N. California', 'bc'),
  r('us-west-2', 'US', 'Oregon'),
  r('ca-central-1', 'CA', 'Montreal', 'abd'),
  r('ca-west-1', 'CA', 'Calgary'),
  r('mx-central-1', 'MX', 'Queretaro'),
  r('sa-east-1', 'BR', 'Sao Paulo'),
  r('eu-central-1', 'DE', 'Frankfurt'),
  r('eu-central-2', 'CH', 'Zurich'),
  r('eu-west-1', 'IE', 'Dublin'),
  r('eu-west-2', 'GB', 'London'),
  r('eu-west-3', 'FR', 'Paris'),
  r('eu-south-1', 'IT', 'Milan'),
  r('eu-south-2', 'ES', 'Aragon'),
  r('eu-north-1', 'SE', 'Stockholm'),
  r('il-central-1', 'IL', 'Tel Aviv'),
  r('me-south-1', 'BH', 'Bahrain'),
  r('me-central-1', 'AE', 'UAE'),
  r('af-south-1', 'ZA', 'Cape Town'),
  r('ap-east-1', 'HK', 'Hong Kong'),
  r('ap-east-2', 'TW', 'Taipei'),
  r('ap-south-1', 'IN', 'Mumbai'),
  r('ap-south-2', 'IN', 'Hyderabad'),
  r('ap-northeast-1', 'JP', 'Tokyo', 'acd'),
  r('ap-northeast-2', 'KR', 'Seoul'),
  r('ap-northeast-3', 'JP', 'Osaka'),
  r('ap-southeast-1', 'SG', 'Singapore'),
  r('ap-southeast-2', 'AU', 'Sydney'),
  r('ap-southeast-3', 'ID', 'Jakarta'),
  r('ap-southeast-4', 'AU', 'Melbourne'),
  r('ap-southeast-5', 'MY', 'Malaysia'),
  r('ap-southeast-6', 'NZ', 'Auckland'),
  r('ap-southeast-7', 'TH', 'Thailand'),
];

const BY_NAME = new Map(REGION_CATALOG.map((info) => [info.region, info]));

/** The catalog entry of a region, or undefined when it is not an AWS commercial region. */
export function regionInfo(region: string): RegionInfo | undefined {
  return BY_NAME.get(region);
}

/** The catalog entry of a region; throws for a region the catalog does not know. */
export function requireRegion(region: string): RegionInfo {
  const info = BY_NAME.get(region);
  if (!info) throw new Error(`Unknown AWS region '${region}': use one of ${REGION_CATALOG.map((i) => i.region).join(', ')}`);
  return info;
}

/** Every region located in one of the given countries, in catalog order. */
export function regionsInCountries(countries: readonly string[]): string[] {
  const set = new Set(countries);
  return REGION_CATALOG.filter((i) => set.has(i.country)).map((i) => i.region);
}

/** All region names of the catalog. */
export const ALL_REGION_NAMES: readonly string[] = REGION_CATALOG.map((i) => i.region);

/**
 * Region-name patterns of the partitions other than `aws` (from the AWS SDK's partitions.json):
 * their regions are separate clouds with separate accounts, never part of a flavor.
 */
const OTHER_PARTITIONS: readonly { readonly partition: string; readonly pattern: RegExp }[] = [
  { partition: 'aws-cn', pattern: /^cn-\w+-\d+$/ },
  { partition: 'aws-us-gov', pattern: /^us-gov-\w+-\d+$/ },
  { partition: 'aws-iso', pattern: /^us-iso-\w+-\d+$/ },
  { partition: 'aws-iso-b', pattern: /^us-isob-\w+-\d+$/ },
  { partition: 'aws-iso-e', pattern: /^eu-isoe-\w+-\d+$/ },
  { partition: 'aws-iso-f', pattern: /^us-isof-\w+-\d+$/ },
  { partition: 'aws-eusc', pattern: /^eusc-de-\w+-\d+$/ },
];

/** The partition of a region name of another partition (`cn-north-1` → `aws-cn`), or undefined. */
export function otherPartitionOf(region: string): string | undefined {
  return OTHER_PARTITIONS.find((p) => p.pattern.test(region))?.partition;
}

// Letters of other scripts that render like the ASCII letters of region names (Cyrillic, Greek, fullwidth forms
// are folded by NFKC). Enough to name the region a look-alike imitates; any non-ASCII name is refused anyway.
const LOOKALIKES: Readonly<Record<string, string>> = {
  а: 'a',
  с: 'c',
  е: 'e',
  һ: 'h',
  і: 'i',
  ј: 'j',
  о: 'o',
  р: 'p',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  ԁ: 'd',
  ո: 'n',
  α: 'a',
  ε: 'e',
  ι: 'i',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  ν: 'v',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '−': '-',
};

/** For a name with non-ASCII characters: the catalog region it imitates, if any (`eu-сentral-1` → `eu-central-1`). */
export function regionImitated(name: string): string | undefined {
  const folded = [...name.normalize('NFKC')].map((ch) => LOOKALIKES[ch] ?? ch).join('');
  return /^[\x20-\x7e]*$/.test(folded) && BY_NAME.has(folded) ? folded : undefined;
}
