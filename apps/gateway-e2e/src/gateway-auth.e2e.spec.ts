import { GUEST_AUDIENCE, GUEST_ISSUER, keyId, signGuestToken } from '@quartet/auth';
import type { ServiceProcess } from '@quartet/grpc-testing';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ChatClient } from './chat-client';
import {
  addressesOf,
  type Backend,
  spawnBackends,
  startTestGateway,
  stopAll,
  TEST_AUTH_SECRET,
  type TestGateway,
  tokenFor,
} from './fixture';
import { readEvents } from './sse-client';

const UNAUTHENTICATED = { error: { code: 'UNAUTHENTICATED', message: expect.any(String) } };

describe('who may call the gateway', () => {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-auth-uploads-'));
  let services: Record<Backend, ServiceProcess>;
  let gateway: TestGateway;
  const ws = (query: string) => `${gateway.url.replace('http', 'ws')}/api/chat?${query}`;
  const stored = () => readdirSync(uploadDir).filter((entry) => entry !== '.incoming');

  beforeAll(async () => {
    // The services verify the tokens the gateway forwards, with the gateway's own key.
    const verifying = { AUTH_SECRET: TEST_AUTH_SECRET };
    services = await spawnBackends({
      greeter: verifying,
      ticker: verifying,
      upload: { ...verifying, UPLOAD_DIR: uploadDir },
      chat: verifying,
    });
    gateway = await startTestGateway(addressesOf(services), {
      UPLOAD_QUOTA_BYTES: '1000',
      ALLOWED_ORIGINS: 'https://partner.example',
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await stopAll(services ?? {});
    rmSync(uploadDir, { recursive: true, force: true });
  });

  describe('without a token', () => {
    it.each([
      ['GET', '/api/hello?name=x'],
      ['GET', '/api/ticker/ACME?count=1'],
      ['POST', '/api/uploads?name=x.txt'],
      ['GET', '/api/session'],
      ['DELETE', '/api/session'],
    ])('answers %s %s with 401 and the JSON error', async (method, path) => {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        ...(method === 'POST' ? { body: 'data' } : {}),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toEqual(UNAUTHENTICATED);
    });

    it('answers a path that matches no route with 404, token or not: no handler runs for it', async () => {
      for (const init of [{}, { headers: await gateway.signedIn('ann') }]) {
        const response = await fetch(`${gateway.url}/api/anything-else`, init);
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
      }
    });

    it('refuses the chat WebSocket with 401', async () => {
      expect(await ChatClient.refused(ws('room=lobby'))).toEqual({
        status: 401,
        servedBy: undefined,
        body: UNAUTHENTICATED,
      });
    });

    it('leaves the page and the health endpoints open', async () => {
      for (const path of ['/', '/healthz', '/readyz']) {
        expect((await fetch(`${gateway.url}${path}`)).status).toBe(200);
      }
    });
  });

  describe('guest sessions', () => {
    const start = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${gateway.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    it('answers POST /api/session with 201, a token and an HttpOnly, SameSite=Strict cookie', async () => {
      const response = await start({ user: 'ann' });
      expect(response.status).toBe(201);
      const session = (await response.json()) as { token: string; user: string; expiresAt: string };
      expect(session).toEqual({
        token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        user: expect.stringMatching(/^ann-[a-z2-9]{5}$/),
        expiresAt: expect.any(String),
      });
      expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(11 * 3600 * 1000);
      expect(response.headers.get('set-cookie')).toBe(
        `quartet_session=${session.token}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict`,
      );

      const byBearer = await fetch(`${gateway.url}/api/session`, {
        headers: { authorization: `Bearer ${session.token}` },
      });
      expect(await byBearer.json()).toEqual({ user: session.user, expiresAt: session.expiresAt });
      const byCookie = await fetch(`${gateway.url}/api/hello?name=cookie`, {
        headers: { cookie: `other=1; quartet_session=${session.token}` },
      });
      expect(await byCookie.json()).toEqual({ message: 'Hello cookie' });
    });

    it('makes two guests who ask for the same name two users', async () => {
      const first = (await (await start({ user: 'ann' })).json()) as { user: string };
      const second = (await (await start({ user: 'ann' })).json()) as { user: string };
      expect(first.user).not.toBe(second.user);
    });

    it.each([
      [{ user: 'has space' }, 400],
      [{ user: 'x'.repeat(25) }, 400],
      [{ nobody: 'ann' }, 400],
    ])('refuses %j with %i', async (body, statusCode) => {
      const response = await start(body);
      expect(response.status).toBe(statusCode);
      expect(await response.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    });

    it('refuses a body that is not JSON (415) or too large (413), and a session from a foreign page (403)', async () => {
      const form = await fetch(`${gateway.url}/api/session`, { method: 'POST', body: 'user=ann' });
      expect(form.status).toBe(415);
      expect((await start({ user: 'ann', padding: 'x'.repeat(2000) })).status).toBe(413);
      const foreign = await start({ user: 'ann' }, { origin: 'https://evil.example' });
      expect(foreign.status).toBe(403);
      expect(await foreign.json()).toMatchObject({ error: { code: 'PERMISSION_DENIED' } });
    });

    it('clears the cookie on DELETE /api/session', async () => {
      const response = await gateway.fetch('/api/session', { method: 'DELETE' });
      expect(response.status).toBe(204);
      expect(response.headers.get('set-cookie')).toMatch(/^quartet_session=; Path=\/; Max-Age=0; HttpOnly/);
    });
  });

  describe.each([
    [
      'forged (naming the gateway’s key, signed with another)',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', kid: keyId(new TextEncoder().encode(TEST_AUTH_SECRET)) })
          .setIssuer(GUEST_ISSUER)
          .setAudience(GUEST_AUDIENCE)
          .setSubject('ann')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('k'.repeat(40))),
      'the token’s signature does not verify',
    ],
    [
      'signed with a key the gateway does not hold',
      async () => (await signGuestToken(new TextEncoder().encode('k'.repeat(40)), 'ann', 60)).token,
      'the token is signed with a key that is retired or unknown here',
    ],
    ['expired', () => tokenFor('ann', -60), 'the token has expired'],
    [
      'for another audience',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('quartet-gateway')
          .setAudience('another-app')
          .setSubject('ann')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(TEST_AUTH_SECRET)),
      'the token is for another audience',
    ],
  ])('a token %s', (_case, token, message) => {
    it('is refused with 401 saying why, as a bearer token and on the WebSocket', async () => {
      const authorization = `Bearer ${await token()}`;
      const response = await fetch(`${gateway.url}/api/hello?name=x`, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message } });
      expect(await ChatClient.refused(ws('room=lobby'), { authorization })).toMatchObject({
        status: 401,
        body: { error: { code: 'UNAUTHENTICATED', message } },
      });
    });
  });

  describe('identity', () => {
    it('forwards the token: the services, which verify it too, serve all four styles', async () => {
      expect(await (await gateway.fetch('/api/hello?name=you')).json()).toEqual({ message: 'Hello you' });
      const ticks = await readEvents(await gateway.fetch('/api/ticker/ID?count=2&intervalMs=0'));
      expect(ticks.map((event) => event.event)).toEqual(['message', 'message', 'end']);
      const upload = await gateway.fetch(
        '/api/uploads?name=id.txt',
        { method: 'POST', body: 'hi' },
        'uploader',
      );
      expect(upload.status).toBe(201);
      // The upload service verified the forwarded token: the file is the token's user's.
      expect(await upload.json()).toMatchObject({ name: 'id.txt', owner: 'uploader' });
      const ann = await ChatClient.open(ws('room=identity'), await gateway.signedIn('ann'));
      try {
        expect(await ann.next((frame) => frame.type === 'joined')).toMatchObject({ user: 'ann' });
      } finally {
        ann.close();
      }
    });

    it('lets a chat member be only the token’s user', async () => {
      expect(await ChatClient.refused(ws('room=identity&user=bob'), await gateway.signedIn('ann'))).toEqual({
        status: 403,
        servedBy: undefined,
        body: {
          error: {
            code: 'PERMISSION_DENIED',
            message: 'you are signed in as "ann" and cannot chat as "bob"',
          },
        },
      });
    });
  });

  describe('pages of other origins', () => {
    it('may not open the chat WebSocket (403), unless ALLOWED_ORIGINS names them', async () => {
      const signedIn = await gateway.signedIn('ann');
      expect(
        await ChatClient.refused(ws('room=origins'), { ...signedIn, origin: 'https://evil.example' }),
      ).toMatchObject({ status: 403, body: { error: { code: 'PERMISSION_DENIED' } } });
      const partner = await ChatClient.open(ws('room=origins'), {
        ...signedIn,
        origin: 'https://partner.example',
      });
      partner.close();
      const own = await ChatClient.open(ws('room=origins'), { ...signedIn, origin: gateway.url });
      own.close();
    });

    it('may not upload (403), keeping nothing', async () => {
      const before = stored().length;
      const response = await gateway.fetch(
        '/api/uploads?name=csrf.txt',
        { method: 'POST', body: 'forged', headers: { origin: 'https://evil.example' } },
        'victim',
      );
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'PERMISSION_DENIED' } });
      expect(stored()).toHaveLength(before);
    });
  });

  describe('per-user limits', () => {
    const upload = (user: string, bytes: number, declared = true) =>
      gateway.fetch(
        `/api/uploads?name=quota-${bytes}${declared ? '' : '-streamed'}.bin`,
        {
          method: 'POST',
          // Without a length the body streams chunked, and the quota is counted as it arrives.
          body: declared ? Buffer.alloc(bytes) : new Blob([Buffer.alloc(bytes)]).stream(),
          duplex: 'half',
        } as RequestInit,
        user,
      );

    it('refuses an upload past the user’s quota with 413, keeping nothing, and leaves other users theirs', async () => {
      expect((await upload('quota-user', 600)).status).toBe(201);
      const declared = await upload('quota-user', 600);
      expect(declared.status).toBe(413);
      expect(await declared.json()).toEqual({
        error: {
          code: 'PAYLOAD_TOO_LARGE',
          message: 'quota-user has 400 bytes left of the 1000-byte upload quota',
        },
      });
      const streamed = await upload('quota-user', 600, false);
      expect(streamed.status).toBe(413);
      // By name: another test's upload may still be landing in the shared folder.
      expect(stored().filter((id) => existsSync(join(uploadDir, id, 'quota-600-streamed.bin')))).toEqual([]);
      expect((await upload('other-user', 600)).status).toBe(201);
    });

    it('answers a user past the request rate with 429, Retry-After and the JSON error', async () => {
      const limited = await startTestGateway(addressesOf(services), { RATE_LIMIT_PER_MINUTE: '3' });
      try {
        const statuses: number[] = [];
        for (let call = 0; call < 4; call += 1) {
          statuses.push((await limited.fetch('/api/hello?name=rate', {}, 'eager')).status);
        }
        expect(statuses).toEqual([200, 200, 200, 429]);
        const refused = await limited.fetch('/api/hello?name=rate', {}, 'eager');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await refused.json()).toEqual({
          error: {
            code: 'RESOURCE_EXHAUSTED',
            message: expect.stringMatching(/^eager may make 3 requests a minute/),
          },
        });
        expect((await limited.fetch('/api/hello?name=rate', {}, 'patient')).status).toBe(200);
      } finally {
        await limited.stop();
      }
    });
  });
});

describe('the gateway with an OpenID Connect issuer', () => {
  let issuer: Server;
  let issuerUrl: string;
  let services: Record<Backend, ServiceProcess>;
  let sign: (audience: string) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    issuer = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(request.url === '/keys' ? jwks : { issuer: issuerUrl, jwks_uri: `${issuerUrl}/keys` }),
      );
    });
    await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
    issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
    sign = (audience) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(issuerUrl)
        .setAudience(audience)
        .setSubject('oidc-user')
        .setExpirationTime('5m')
        .sign(privateKey);
    services = await spawnBackends({ greeter: { AUTH_ISSUER: issuerUrl, AUTH_AUDIENCE: 'quartet-api' } });
  }, 60_000);

  afterAll(async () => {
    await stopAll(services ?? {});
    await new Promise((resolve) => issuer?.close(resolve));
  });

  it('accepts the issuer’s tokens, refuses those for another audience, and has no guests', async () => {
    const gateway = await startTestGateway(addressesOf(services), {
      AUTH_ISSUER: issuerUrl,
      AUTH_AUDIENCE: 'quartet-api',
    });
    try {
      const call = async (token: string) =>
        fetch(`${gateway.url}/api/hello?name=oidc`, { headers: { authorization: `Bearer ${token}` } });
      const accepted = await call(await sign('quartet-api'));
      expect(await accepted.json()).toEqual({ message: 'Hello oidc' });
      const refused = await call(await sign('another-api'));
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        error: { code: 'UNAUTHENTICATED', message: 'the token is for another audience' },
      });
      const guest = await fetch(`${gateway.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"user":"ann"}',
      });
      expect(guest.status).toBe(403);
    } finally {
      await gateway.stop();
    }
  });

  it('hands out guest sessions beside the issuer’s tokens with AUTH_GUESTS=true', async () => {
    const gateway = await startTestGateway(addressesOf(services), {
      AUTH_ISSUER: issuerUrl,
      AUTH_AUDIENCE: 'quartet-api',
      AUTH_GUESTS: 'true',
    });
    try {
      const guest = await fetch(`${gateway.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"user":"ann"}',
      });
      expect(guest.status).toBe(201);
      const { token } = (await guest.json()) as { token: string };
      const session = await fetch(`${gateway.url}/api/session`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(session.status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});
