import { workspaceRoot } from '@nx/devkit';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import {
  connect,
  deadlineIn,
  eventually,
  fourStyles,
  type FourStyles,
  type KeyPair,
  makeTestCertificates,
  readAll,
  type ServiceProcess,
  serviceTlsEnv,
  spawnService,
  succeeds,
  type StyleService,
  testChannelCredentials,
  type TestCertificates,
} from '@quartet/grpc-testing';
import { healthClient } from '@quartet/grpc-client';
import { TickerServiceDefinition } from '@quartet/proto';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);
// Debian's python3 with python3-grpcio and python3-grpc-tools (tools/scripts/system-deps.sh).
const PYTHON = '/usr/bin/python3';
const SERVICES: readonly StyleService[] = ['greeter', 'ticker', 'upload', 'chat'];

/** The serial number of the certificate a TLS server presents to a new connection. */
function servedSerial(address: string, certs: TestCertificates): Promise<string> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host,
        port,
        servername: 'localhost',
        ALPNProtocols: ['h2'],
        ca: readFileSync(certs.ca.certFile),
        cert: readFileSync(certs.client.certFile),
        key: readFileSync(certs.client.keyFile),
      },
      () => {
        resolve(socket.getPeerCertificate().serialNumber);
        socket.destroy();
      },
    );
    socket.once('error', reject);
  });
}

function serialOf(pair: KeyPair): string {
  return new X509Certificate(readFileSync(pair.certFile)).serialNumber;
}

describe('the four services over mTLS', () => {
  let certs: TestCertificates;
  const services = {} as Record<StyleService, ServiceProcess>;
  let addresses: Record<StyleService, string>;
  let trusted: FourStyles;

  beforeAll(async () => {
    certs = makeTestCertificates();
    await Promise.all(
      SERVICES.map(async (name) => {
        services[name] = await spawnService(name, {
          env: { ...serviceTlsEnv(certs), HEALTH_PORT: '0', INSTANCE_ID: `${name}-tls` },
        });
      }),
    );
    addresses = Object.fromEntries(
      SERVICES.map((name) => [name, services[name].address]),
    ) as typeof addresses;
    trusted = fourStyles(addresses, testChannelCredentials(certs, certs.client));
  }, 60_000);

  afterAll(async () => {
    trusted?.close();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    certs?.remove();
  });

  const listening = (name: StyleService) =>
    services[name].listening as { transport: string; healthAddress: string };

  it.each(SERVICES)('%s logs that it serves mTLS', (name) => {
    expect(listening(name).transport).toBe('mtls');
  });

  it.each(SERVICES)(
    '%s answers plaintext health checks on its health port, and nothing else there',
    async (name) => {
      const { healthAddress } = listening(name);
      const health = healthClient(healthAddress);
      const plaintext = fourStyles({ ...addresses, [name]: healthAddress });
      try {
        const answer = await new Promise((resolve, reject) =>
          health.check({ service: '' }, (error, response) =>
            error ? reject(error) : resolve(response?.status),
          ),
        );
        expect(answer).toBe('SERVING');
        const refused = await plaintext.calls[name]();
        expect(refused.code).toBe(status.PERMISSION_DENIED);
        expect(refused.details).toMatch(/^this port answers grpc.health.v1 only/);
      } finally {
        health.close();
        plaintext.close();
      }
    },
  );

  it.each(SERVICES)('%s answers a grpc-js client with a certificate from the trusted CA', async (name) => {
    await succeeds(trusted.calls[name]);
  });

  it('answers each of the four styles from Python grpcio over mTLS', async () => {
    const descriptors = join(certs.dir, 'contracts.binpb');
    await run(join(workspaceRoot, 'node_modules/.bin/buf'), ['build', '-o', descriptors], {
      cwd: workspaceRoot,
    });
    const { stdout } = await run(
      PYTHON,
      [
        join(__dirname, 'four_styles_client.py'),
        descriptors,
        certs.ca.certFile,
        certs.client.certFile,
        certs.client.keyFile,
        ...SERVICES.map((name) => addresses[name]),
      ],
      { timeout: 30_000 },
    );
    expect(stdout.trim().split('\n')).toEqual([
      'greeter Hello python',
      'ticker 3 ticks',
      'upload 5 bytes',
      'chat from python',
    ]);
  }, 60_000);

  describe.each([
    ['a client certificate from another CA', () => testChannelCredentials(certs, certs.foreignClient)],
    ['an expired client certificate', () => testChannelCredentials(certs, certs.expiredClient)],
    ['no client certificate', () => testChannelCredentials(certs)],
    ['plaintext', () => credentials.createInsecure()],
  ])('refuses %s', (_case, channelCredentials) => {
    it.each(SERVICES)('at %s', async (name) => {
      const refused = fourStyles(addresses, channelCredentials());
      try {
        const outcome = await refused.calls[name]();
        expect(outcome.code).toBe(status.UNAVAILABLE);
      } finally {
        refused.close();
      }
    });
  });

  it('serves a rotated certificate to new connections while calls on the old one run on', async () => {
    const ticker = connect(
      TickerServiceDefinition,
      addresses.ticker,
      testChannelCredentials(certs, certs.client),
    );
    const afterwards = fourStyles(addresses, testChannelCredentials(certs, certs.client));
    try {
      const long = readAll(
        ticker.watch(
          { symbol: 'ROT', count: 40, intervalMs: 50, fromSeq: 0n },
          new Metadata(),
          deadlineIn(10_000),
        ),
      );
      const before = await servedSerial(addresses.ticker, certs);
      const rotated = certs.issue('rotated-server');
      copyFileSync(rotated.keyFile, certs.server.keyFile);
      copyFileSync(rotated.certFile, certs.server.certFile);
      // The key is replaced before its certificate: a reload between the two finds them
      // mismatched and keeps serving the old pair, so no handshake fails in that window.
      await eventually(async () => (await servedSerial(addresses.ticker, certs)) === serialOf(rotated), {
        timeoutMs: 5_000,
        everyMs: 100,
        what: 'the rotated certificate served',
      });
      expect(before).not.toBe(serialOf(rotated));
      const { status: outcome, messages } = await long;
      expect(outcome.code).toBe(status.OK);
      expect(messages).toHaveLength(40);
      await succeeds(afterwards.calls.ticker);
    } finally {
      ticker.close();
      afterwards.close();
    }
  }, 30_000);
});
