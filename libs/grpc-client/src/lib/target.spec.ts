import { parseTarget } from './target';

describe(parseTarget.name, () => {
  it.each([
    ['127.0.0.1:7001', '127.0.0.1:7001'],
    ['greeter:7001', 'greeter:7001'],
    [' 127.0.0.1:7001,127.0.0.1:7011 ', 'ipv4:127.0.0.1:7001,127.0.0.1:7011'],
    ['[::1]:7001,[::1]:7011', 'ipv6:[::1]:7001,[::1]:7011'],
    ['ipv4:127.0.0.1:7001,127.0.0.1:7011', 'ipv4:127.0.0.1:7001,127.0.0.1:7011'],
    ['dns:///ticker.quartet.svc.cluster.local:7002', 'dns:///ticker.quartet.svc.cluster.local:7002'],
    ['dns:localhost:7001', 'dns:localhost:7001'],
  ])('reads %p as the grpc-js target %p', (value, target) => {
    expect(parseTarget('GREETER_TARGET', value)).toEqual({ target });
  });

  it.each([
    ['', 'is empty'],
    ['localhost', 'is not <host>:<port>, a comma-separated list of them, or a dns:/ipv4:/ipv6: target'],
    ['localhost:0', 'is not <host>:<port>, a comma-separated list of them, or a dns:/ipv4:/ipv6: target'],
    ['localhost:99999', 'is not <host>:<port>, a comma-separated list of them, or a dns:/ipv4:/ipv6: target'],
    [
      'http://localhost:7001',
      'is not <host>:<port>, a comma-separated list of them, or a dns:/ipv4:/ipv6: target',
    ],
    [
      'a:1,127.0.0.1:2',
      'mixes names and addresses; a list must be all IPv4 or all IPv6 (use dns:/// for a name)',
    ],
    ['ipv4:localhost:7001', 'is not a list of ipv4 <address>:<port>'],
    ['dns:///no-port', 'is not dns:///<host>:<port>'],
  ])('rejects %p, naming the variable', (value, why) => {
    expect(parseTarget('GREETER_TARGET', value)).toEqual({
      error: `GREETER_TARGET=${JSON.stringify(value)} ${why}`,
    });
  });
});
