import { credentials, Metadata, status } from '@grpc/grpc-js';
import {
  connect,
  deadlineIn,
  fourStyles,
  makeTestCertificates,
  outcomeOf,
  type ServiceProcess,
  serviceTlsEnv,
  spawnReplicas,
  stopReplicas,
  succeeds,
  tally,
  type StyleService,
  type TestCertificates,
  testChannelCredentials,
} from '@quartet/grpc-testing';
import { freeLoopbackPort, loopbackProxyTls, startNginx } from '@quartet/nginx';
import { GreeterDefinition, SERVED_BY_HEADER } from '@quartet/proto';
import { join } from 'node:path';

const SERVICES: readonly StyleService[] = ['greeter', 'ticker', 'upload', 'chat'];

describe('nginx with TLS in front of mTLS replicas', () => {
  let certs: TestCertificates;
  const replicas = {} as Record<StyleService, ServiceProcess[]>;
  let proxy: Awaited<ReturnType<typeof startNginx>>;
  let address: string;

  beforeAll(async () => {
    certs = makeTestCertificates();
    for (const name of SERVICES) {
      // Chat rooms live in one replica; the others are stateless and get two.
      replicas[name] = await spawnReplicas(name, name === 'chat' ? 1 : 2, serviceTlsEnv(certs));
    }
    address = `127.0.0.1:${await freeLoopbackPort()}`;
    proxy = await startNginx({
      dir: join(certs.dir, 'nginx'),
      listen: address,
      replicas: Object.fromEntries(SERVICES.map((name) => [name, replicas[name].map((r) => r.address)])),
      tls: loopbackProxyTls(certs),
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all(Object.values(replicas).map(stopReplicas));
    certs?.remove();
  });

  const through = (channelCredentials = testChannelCredentials(certs, certs.client)) =>
    fourStyles({ greeter: address, ticker: address, upload: address, chat: address }, channelCredentials);

  it.each(SERVICES)(
    'carries %s calls from a client with a certificate, over mTLS to the replicas',
    async (name) => {
      const client = through();
      try {
        await succeeds(client.calls[name]);
      } finally {
        client.close();
      }
    },
  );

  it('balances over the replicas behind it', async () => {
    const greeter = connect(GreeterDefinition, address, testChannelCredentials(certs, certs.client));
    try {
      const servedBy: string[] = [];
      for (let call = 0; call < 8; call += 1) {
        const { status: outcome, headers } = await outcomeOf((done) =>
          greeter.sayHello({ name: 'proxy' }, new Metadata(), deadlineIn(), done),
        );
        expect(outcome.code).toBe(status.OK);
        servedBy.push(String(headers.get(SERVED_BY_HEADER)[0]));
      }
      expect(tally(servedBy)).toEqual({ 'greeter-1': 4, 'greeter-2': 4 });
    } finally {
      greeter.close();
    }
  });

  it.each([
    ['no client certificate', () => testChannelCredentials(certs)],
    ['a client certificate from another CA', () => testChannelCredentials(certs, certs.foreignClient)],
    ['plaintext', () => credentials.createInsecure()],
  ])('refuses %s', async (_case, channelCredentials) => {
    const client = through(channelCredentials());
    try {
      const outcome = await client.calls.greeter();
      expect(outcome.code).not.toBe(status.OK);
    } finally {
      client.close();
    }
  });
});
