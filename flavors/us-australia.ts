import { defineFlavor } from '../lib/flavor';

export default defineFlavor({
  name: 'us-australia',
  description: 'US primary, Australian fallback',
  residency: { countries: ['US', 'AU'] },
  regions: [
    { region: 'us-east-1', role: 'primary' },
    { region: 'ap-southeast-2', role: 'fallback' },
  ],
  databases: {
    ledger: {
      platform: 'ec2',
      engine: 'postgres',
      instanceType: 'r5n.xlarge',
      nodes: 3,
      volume: { sizeGiB: 500, type: 'gp3', iops: 6000, throughputMiBps: 250 },
    },
    content: { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 200 },
    reports: { platform: 'rds', engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 },
  },
  backup: { intervalHours: 1, retain: 48, copyTo: 'fallbacks' },
  failover: { dns: 'automatic', database: 'manual' },
});
