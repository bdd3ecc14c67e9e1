import { defineFlavor } from '../lib/flavor';

export default defineFlavor({
  name: 'global',
  description: 'No residency constraint: US primary, European and Asian fallbacks',
  residency: 'global',
  regions: [
    { region: 'us-east-1', role: 'primary' },
    { region: 'eu-west-1', role: 'fallback' },
    { region: 'ap-southeast-1', role: 'fallback' },
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
  },
  backup: { intervalHours: 4, retain: 42, copyTo: 'fallbacks' },
  failover: { dns: 'automatic', database: 'manual' },
});
