import {
  gatewayTlsEnv,
  makeTestCertificates,
  type ServiceProcess,
  serviceTlsEnv,
  type TestCertificates,
} from '@quartet/grpc-testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from './chat-client';
import {
  addressesOf,
  type Backend,
  BACKENDS,
  spawnBackends,
  startTestGateway,
  stopAll,
  type TestGateway,
} from './fixture';
import { readEvents } from './sse-client';

describe('gateway calling every service over mTLS', () => {
  let certs: TestCertificates;
  let services: Record<Backend, ServiceProcess>;
  let gateway: TestGateway;
  let uploadDir: string;

  beforeAll(async () => {
    certs = makeTestCertificates();
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-mtls-uploads-'));
    const tls = serviceTlsEnv(certs);
    services = await spawnBackends(
      Object.fromEntries(
        BACKENDS.map((backend) => [backend, backend === 'upload' ? { ...tls, UPLOAD_DIR: uploadDir } : tls]),
      ),
    );
    gateway = await startTestGateway(addressesOf(services), gatewayTlsEnv(certs));
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await stopAll(services ?? {});
    rmSync(uploadDir, { recursive: true, force: true });
    certs?.remove();
  });

  it('finds every backend SERVING by grpc.health.v1 over mTLS', async () => {
    const response = await fetch(`${gateway.url}/readyz`);
    expect(await response.json()).toEqual({
      ready: true,
      backends: Object.fromEntries(BACKENDS.map((backend) => [backend, 'SERVING'])),
    });
  });

  it('greets (unary)', async () => {
    const response = await gateway.fetch('/api/hello?name=tls');
    expect(await response.json()).toEqual({ message: 'Hello tls' });
  });

  it('streams ticks (server streaming)', async () => {
    const response = await gateway.fetch('/api/ticker/TLS?count=3&intervalMs=0');
    const events = await readEvents(response);
    expect(events.map((event) => event.event)).toEqual(['message', 'message', 'message', 'end']);
  });

  it('uploads (client streaming)', async () => {
    const response = await gateway.fetch('/api/uploads?name=tls.txt', {
      method: 'POST',
      body: 'over mTLS',
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ name: 'tls.txt', size: 9 });
  });

  it('chats (bidirectional streaming)', async () => {
    const member = await ChatClient.open(
      `${gateway.url.replace('http', 'ws')}/api/chat?room=tls`,
      await gateway.signedIn('ann'),
    );
    try {
      member.send({ type: 'post', text: 'sealed', clientId: 'a-1' });
      expect(await member.next((frame) => frame.type === 'message')).toMatchObject({
        text: 'sealed',
        user: 'ann',
      });
    } finally {
      member.close();
    }
  });
});
