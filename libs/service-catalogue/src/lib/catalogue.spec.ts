import {
  CATALOGUE,
  catalogueService,
  defaultPort,
  gatewayBackends,
  localTarget,
  replicaPort,
  targetVariable,
} from './catalogue';
import { portsInUse, replicaPorts } from './ports';

describe('the service catalogue', () => {
  it('gives every port to one holder, replicas of every service included', () => {
    expect(portsInUse(CATALOGUE).size).toBe(2 + CATALOGUE.services.length * CATALOGUE.maxReplicas);
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
    expect(() => replicaPort(first.app, CATALOGUE.maxReplicas)).toThrow(
      `${first.app} has replicas 0 to ${CATALOGUE.maxReplicas - 1}, not ${CATALOGUE.maxReplicas}`,
    );
    expect(localTarget(first.app)).toBe(`127.0.0.1:${first.port}`);
  });

  it('refuses an app it does not list, naming it', () => {
    expect(() => catalogueService('nonesuch')).toThrow('nonesuch is not a service of the catalogue');
    expect(() => targetVariable('nonesuch')).toThrow('nonesuch is not a service of the catalogue');
  });

  it('numbers replicas from the first port, one step apart', () => {
    expect(replicaPorts(7000, { replicaPortStep: 10, maxReplicas: 3 })).toEqual([7000, 7010, 7020]);
  });

  it('names who holds each port, replicas by their number from 1', () => {
    const used = portsInUse({
      replicaPortStep: 10,
      maxReplicas: 2,
      services: [{ app: 'a', port: 7001, grpcService: 'a.A', style: 'unary' }],
      gateway: { app: 'gateway', port: 3000 },
      proxy: { port: 7000 },
    });
    expect([...used]).toEqual([
      [3000, 'gateway'],
      [7000, 'the nginx proxy'],
      [7001, 'a'],
      [7011, 'a (replica 2)'],
    ]);
  });
});
