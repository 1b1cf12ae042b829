import { Metadata, status } from '@grpc/grpc-js';
import { GUEST_AUDIENCE, GUEST_ISSUER, keyId, signGuestToken } from '@quartet/auth';
import { healthClient } from '@quartet/grpc-client';
import {
  connect,
  deadlineIn,
  fourStyles,
  type FourStyles,
  readAll,
  type ServiceProcess,
  spawnService,
  succeeds,
  type StyleService,
} from '@quartet/grpc-testing';
import { type ChatResponse, ChatServiceDefinition } from '@quartet/proto';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const SERVICES: readonly StyleService[] = ['greeter', 'ticker', 'upload', 'chat'];
const SECRET = 'the services and the gateway share this secret, 32+ bytes';
const secretBytes = new TextEncoder().encode(SECRET);

const bearer = (token: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
};

/** The four services, started with `env`; the upload service stores into a scratch folder. */
async function startServices(env: Record<string, string>) {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-auth-uploads-'));
  const services = {} as Record<StyleService, ServiceProcess>;
  await Promise.all(
    SERVICES.map(async (name) => {
      services[name] = await spawnService(name, {
        env: { ...env, ...(name === 'upload' ? { UPLOAD_DIR: uploadDir } : {}), INSTANCE_ID: `${name}-auth` },
      });
    }),
  );
  const addresses = Object.fromEntries(SERVICES.map((name) => [name, services[name].address])) as Record<
    StyleService,
    string
  >;
  return {
    services,
    addresses,
    uploadDir,
    /** Files the upload service made visible: anything but its own `.incoming` folder. */
    stored: () => readdirSync(uploadDir).filter((entry) => entry !== '.incoming'),
    stop: async () => {
      await Promise.all(Object.values(services).map((service) => service.stop()));
      rmSync(uploadDir, { recursive: true, force: true });
    },
  };
}

describe('services verifying guest session tokens (AUTH_SECRET)', () => {
  let stack: Awaited<ReturnType<typeof startServices>>;
  let clients: FourStyles;

  beforeAll(async () => {
    stack = await startServices({ AUTH_SECRET: SECRET });
    clients = fourStyles(stack.addresses);
  }, 60_000);

  afterAll(async () => {
    clients?.close();
    await stack?.stop();
  });

  it.each(SERVICES)('%s serves a call that carries a valid token', async (name) => {
    const { token } = await signGuestToken(secretBytes, 'honest', 60);
    await succeeds(clients.calls[name], bearer(token));
  });

  describe.each([
    ['no token', async () => new Metadata(), /^no bearer token/],
    [
      'a forged token (naming the real key, signed with another)',
      async () =>
        bearer(
          await new SignJWT({})
            .setProtectedHeader({ alg: 'HS256', kid: keyId(secretBytes) })
            .setIssuer(GUEST_ISSUER)
            .setAudience(GUEST_AUDIENCE)
            .setSubject('honest')
            .setExpirationTime('1m')
            .sign(new TextEncoder().encode('x'.repeat(40))),
        ),
      /^the token’s signature does not verify$/,
    ],
    [
      'an expired token',
      async () => bearer((await signGuestToken(secretBytes, 'honest', -60)).token),
      /^the token has expired$/,
    ],
    ['a token that is no JWT', async () => bearer('garbage'), /^the token is not a well-formed JWT$/],
  ])('with %s', (_case, metadata, details) => {
    it.each(SERVICES)('%s answers UNAUTHENTICATED, saying why', async (name) => {
      const before = stack.stored().length;
      const outcome = await clients.calls[name](await metadata());
      expect(outcome.code).toBe(status.UNAUTHENTICATED);
      expect(outcome.details).toMatch(details);
      // The upload's messages were all sent at once, before the check ended: none was stored.
      expect(stack.stored()).toHaveLength(before);
    });
  });

  it('answers health checks without a token, for probes', async () => {
    const health = healthClient(stack.addresses.greeter);
    try {
      const answer = await new Promise((resolve, reject) =>
        health.check({ service: '' }, (error, response) =>
          error ? reject(error) : resolve(response?.status),
        ),
      );
      expect(answer).toBe('SERVING');
    } finally {
      health.close();
    }
  });

  it('lets a chat member be only the token’s user', async () => {
    const chat = connect(ChatServiceDefinition, stack.addresses.chat);
    try {
      const { token } = await signGuestToken(secretBytes, 'ann', 60);
      const asBob = chat.chat(bearer(token), deadlineIn());
      asBob.write({ action: { $case: 'join', value: { room: 'auth', user: 'bob', sinceSeq: 0n } } });
      asBob.end();
      const refused = await readAll(asBob as unknown as ClientReadableStream<ChatResponse>);
      expect(refused.status.code).toBe(status.PERMISSION_DENIED);
      expect(refused.status.details).toBe('you are signed in as "ann" and cannot join as "bob"');

      const asNobody = chat.chat(bearer(token), deadlineIn());
      asNobody.write({ action: { $case: 'join', value: { room: 'auth', user: '', sinceSeq: 0n } } });
      asNobody.end();
      const joined = await readAll(asNobody as unknown as ClientReadableStream<ChatResponse>);
      expect(joined.status.code).toBe(status.OK);
      expect(joined.messages[0]?.event).toMatchObject({ $case: 'joined', value: { user: 'ann' } });
    } finally {
      chat.close();
    }
  });
});

describe('services verifying tokens of an OpenID Connect issuer whose keys arrive slowly', () => {
  let stack: Awaited<ReturnType<typeof startServices>>;
  let clients: FourStyles;
  let issuer: Server;
  let issuerUrl: string;
  let sign: (subject: string, audience?: string) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256' }] };
    // Every answer waits 300 ms, so each call's messages are sent long before its token is checked.
    issuer = createServer((request, response) =>
      setTimeout(() => {
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify(
            request.url === '/keys' ? jwks : { issuer: issuerUrl, jwks_uri: `${issuerUrl}/keys` },
          ),
        );
      }, 300),
    );
    await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
    issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
    sign = (subject, audience = 'quartet-api') =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
        .setIssuer(issuerUrl)
        .setAudience(audience)
        .setSubject(subject)
        .setExpirationTime('5m')
        .sign(privateKey);
    stack = await startServices({ AUTH_ISSUER: issuerUrl, AUTH_AUDIENCE: 'quartet-api' });
    clients = fourStyles(stack.addresses);
  }, 60_000);

  afterAll(async () => {
    clients?.close();
    await stack?.stop();
    await new Promise((resolve) => issuer?.close(resolve));
  });

  it.each(SERVICES)(
    '%s serves a user’s call whole, none of its messages lost while the keys were fetched',
    async (name) => {
      await succeeds(clients.calls[name], bearer(await sign('honest')));
    },
  );

  it.each(SERVICES)('%s refuses a token for another audience as UNAUTHENTICATED', async (name) => {
    const outcome = await clients.calls[name](bearer(await sign('honest', 'another-api')));
    expect(outcome.code).toBe(status.UNAUTHENTICATED);
    expect(outcome.details).toBe('the token is for another audience');
  });
});
