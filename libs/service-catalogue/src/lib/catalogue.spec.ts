import {
  CATALOGUE,
  catalogueService,
  defaultPort,
  gatewayBackends,
  localTarget,
  replicaPort,
  targetVariable,
} from './catalogue';

describe('the service catalogue', () => {
  it('gives every port to one holder, replicas of every service included', () => {
    const holders = new Map<number, string>([
      [CATALOGUE.gateway.port, 'gateway'],
      [CATALOGUE.proxy.port, 'proxy'],
    ]);
    for (const { app } of CATALOGUE.services) {
      for (let replica = 0; replica < CATALOGUE.maxReplicas; replica += 1) {
        const port = replicaPort(app, replica);
        expect({ port, holder: holders.get(port) }).toEqual({ port, holder: undefined });
        holders.set(port, app);
      }
    }
  });

  it('names each gateway backend’s variable after its app, once', () => {
    for (const app of gatewayBackends()) {
      expect(targetVariable(app)).toBe(`${app.replace(/-/g, '_').toUpperCase()}_TARGET`);
    }
    const variables = gatewayBackends().map(targetVariable);
    expect(new Set(variables).size).toBe(variables.length);
  });

  it('answers the defaults an app and the gateway start with', () => {
    const [first] = CATALOGUE.services;
    if (!first) throw new Error('the catalogue lists no service');
    expect(defaultPort(first.app)).toBe(first.port);
    expect(defaultPort(CATALOGUE.gateway.app)).toBe(CATALOGUE.gateway.port);
    expect(replicaPort(first.app, 2)).toBe(first.port + 2 * CATALOGUE.replicaPortStep);
    expect(localTarget(first.app)).toBe(`127.0.0.1:${first.port}`);
  });

  it('refuses an app it does not list, naming it', () => {
    expect(() => catalogueService('nonesuch')).toThrow('nonesuch is not a service of the catalogue');
    expect(() => targetVariable('nonesuch')).toThrow('nonesuch is not a service of the catalogue');
  });
});
