import {
  failoverChainName,
  failoverChainSetIdentifier,
  failoverSetIdentifier,
  flavorEndpointName,
  regionalEndpointName,
} from '../../../lib/failover/endpoint-names';

describe('endpoint names shared by RegionalFailover and the failover tool', () => {
  test('client name, regional name and set identifier; a trailing dot on the zone is ignored', () => {
    expect(flavorEndpointName('global', 'flavors.example.com.')).toBe('global.flavors.example.com');
    expect(regionalEndpointName('global', 'eu-west-1', 'flavors.example.com')).toBe('eu-west-1.global.flavors.example.com');
    expect(failoverSetIdentifier('global', 'eu-west-1')).toBe('global-eu-west-1');
  });

  test('chain levels: level 0 is the client name, later levels sit below it', () => {
    expect(failoverChainName('global', 0, 'flavors.example.com')).toBe('global.flavors.example.com');
    expect(failoverChainName('global', 2, 'flavors.example.com.')).toBe('fallback-2.global.flavors.example.com');
    expect(failoverChainSetIdentifier('global', 1)).toBe('global-fallback-1');
  });
});
