import { defineFlavor } from '../lib/flavor';

// AWS has one commercial region in Germany and none in Belgium: this flavor is single-region on
// purpose (multi-AZ nodes plus in-region snapshots). Never add a region outside DE/BE to "fix" it.
export default defineFlavor({
  name: 'germany-belgium',
  description: 'Data never leaves Germany/Belgium (single region, multi-AZ)',
  residency: { countries: ['DE', 'BE'] },
  regions: [{ region: 'eu-central-1', role: 'primary' }],
  databases: {
    ledger: { platform: 'ec2', engine: 'postgres', instanceType: 'r5n.large', nodes: 3, volume: { sizeGiB: 200, type: 'gp3' } },
    reports: { platform: 'rds', engine: 'mysql', instanceType: 'db.r5.large', storageGiB: 100 },
  },
  backup: { intervalHours: 1, retain: 72 },
  failover: { dns: 'manual', database: 'manual' },
});
