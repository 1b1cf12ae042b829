import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { GUEST_AUDIENCE, GUEST_ISSUER } from './auth-settings';
import { signGuestToken } from './guest-tokens';
import { keyId } from './key-id';
import { TokenRefused, TokenVerifier } from './token-verifier';

const SECRET = new TextEncoder().encode('a test secret of thirty-two bytes!!');
const OTHER_SECRET = new TextEncoder().encode('another secret of thirty-two bytes');

/** An OpenID Connect issuer on loopback: its discovery document and its JWKS, counting fetches. */
async function startIssuer(jwks: { keys: JWK[] }) {
  let jwksFetches = 0;
  const server: Server = createServer((request, response) => {
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    if (request.url === '/.well-known/openid-configuration') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` }));
    } else if (request.url === '/keys') {
      jwksFetches += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(jwks));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    jwksFetches: () => jwksFetches,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe(TokenVerifier.name, () => {
  it('accepts anonymous calls when neither a secret nor an issuer is set', () => {
    expect(TokenVerifier.from({})).toBeUndefined();
  });

  describe('guest sessions', () => {
    const sut = TokenVerifier.from({ secret: SECRET }) as TokenVerifier;

    it('verifies a session the gateway signed, naming its user', async () => {
      const { token, expiresAt } = await signGuestToken(SECRET, 'ann-x7k2p', 3600);
      expect(await sut.verify(token)).toEqual({ user: 'ann-x7k2p', expiresAt, guest: true });
    });

    it.each([
      [
        'signed with a key it does not hold',
        () => signGuestToken(OTHER_SECRET, 'ann', 3600),
        'the token is signed with a key that is retired or unknown here',
      ],
      [
        'forged (naming its key, signed with another)',
        async () => ({
          token: await new SignJWT({})
            .setProtectedHeader({ alg: 'HS256', kid: keyId(SECRET) })
            .setIssuer(GUEST_ISSUER)
            .setAudience(GUEST_AUDIENCE)
            .setSubject('ann')
            .setExpirationTime('1h')
            .sign(OTHER_SECRET),
        }),
        'the token’s signature does not verify',
      ],
      ['expired', () => signGuestToken(SECRET, 'ann', -60), 'the token has expired'],
      [
        'for another audience',
        async () => ({
          token: await new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuer(GUEST_ISSUER)
            .setAudience('someone-else')
            .setSubject('ann')
            .setExpirationTime('1h')
            .sign(SECRET),
        }),
        'the token is for another audience',
      ],
      ['not a JWT', async () => ({ token: 'not-a-token' }), 'the token is not a well-formed JWT'],
    ])('refuses a token %s', async (_case, make, reason) => {
      const { token } = await make();
      await expect(sut.verify(token)).rejects.toEqual(new TokenRefused(reason));
    });

    it('answers a token it verified from memory until the token expires, then refuses it', async () => {
      const { token, expiresAt } = await signGuestToken(SECRET, 'ann-r3m3m', 2);
      const first = await sut.verify(token);
      expect(await sut.verify(token)).toBe(first);
      jest.useFakeTimers({
        now: expiresAt.getTime() + 1_000,
        doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'],
      });
      try {
        await expect(sut.verify(token)).rejects.toEqual(new TokenRefused('the token has expired'));
      } finally {
        jest.useRealTimers();
      }
    });

    it('verifies by the key a token names: the current one, or one still kept from before a rotation', async () => {
      const rotated = TokenVerifier.from({
        secret: OTHER_SECRET,
        previousSecrets: [SECRET],
      }) as TokenVerifier;
      const before = await signGuestToken(SECRET, 'ann-before', 3600);
      const after = await signGuestToken(OTHER_SECRET, 'ann-after', 3600);
      expect(await rotated.verify(before.token)).toMatchObject({ user: 'ann-before' });
      expect(await rotated.verify(after.token)).toMatchObject({ user: 'ann-after' });
      expect(decodeProtectedHeader(after.token).kid).toBe(keyId(OTHER_SECRET));
    });

    it('refuses a token signed with a key that was retired', async () => {
      const retired = await signGuestToken(SECRET, 'ann', 3600);
      const sutAfterRotation = TokenVerifier.from({ secret: OTHER_SECRET }) as TokenVerifier;
      await expect(sutAfterRotation.verify(retired.token)).rejects.toEqual(
        new TokenRefused('the token is signed with a key that is retired or unknown here'),
      );
    });

    it('verifies a token from before key ids by trying each key', async () => {
      const legacy = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(GUEST_ISSUER)
        .setAudience(GUEST_AUDIENCE)
        .setSubject('old-ann')
        .setExpirationTime('1h')
        .sign(SECRET);
      const rotated = TokenVerifier.from({
        secret: OTHER_SECRET,
        previousSecrets: [SECRET],
      }) as TokenVerifier;
      expect(await rotated.verify(legacy)).toMatchObject({ user: 'old-ann' });
    });

    it('refuses a token with no subject', async () => {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(GUEST_ISSUER)
        .setAudience(GUEST_AUDIENCE)
        .setExpirationTime('1h')
        .sign(SECRET);
      await expect(sut.verify(token)).rejects.toEqual(new TokenRefused('the token names no subject'));
    });
  });

  describe('an OpenID Connect issuer', () => {
    let issuer: Awaited<ReturnType<typeof startIssuer>>;
    let signingKey: CryptoKey;
    let strangerKey: CryptoKey;

    beforeAll(async () => {
      const pair = await generateKeyPair('ES256');
      signingKey = pair.privateKey;
      strangerKey = (await generateKeyPair('ES256')).privateKey;
      issuer = await startIssuer({
        keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }],
      });
    });

    afterAll(() => issuer?.close());

    const userToken = (key: CryptoKey, audience: string, iss = issuer.url) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(iss)
        .setAudience(audience)
        .setSubject('user-42')
        .setExpirationTime('1h')
        .sign(key);

    it('verifies a token by the keys its discovery document names, fetched once', async () => {
      const sut = TokenVerifier.from({ issuer: issuer.url, audience: 'quartet-api' }) as TokenVerifier;
      const before = issuer.jwksFetches();
      for (let call = 0; call < 3; call += 1) {
        expect(await sut.verify(await userToken(signingKey, 'quartet-api'))).toMatchObject({
          user: 'user-42',
          guest: false,
        });
      }
      expect(issuer.jwksFetches() - before).toBe(1);
    });

    it.each([
      [
        'signed by a key the issuer does not hold',
        () => userToken(strangerKey, 'quartet-api'),
        'the token’s signature does not verify',
      ],
      [
        'for another audience',
        () => userToken(signingKey, 'another-api'),
        'the token is for another audience',
      ],
      [
        'from another issuer',
        () => userToken(signingKey, 'quartet-api', 'https://elsewhere.invalid'),
        'the token is from another issuer',
      ],
    ])('refuses a token %s', async (_case, make, reason) => {
      const sut = TokenVerifier.from({ issuer: issuer.url, audience: 'quartet-api' }) as TokenVerifier;
      await expect(sut.verify(await make())).rejects.toEqual(new TokenRefused(reason));
    });

    it('refuses guest sessions unless it also has the secret', async () => {
      const { token } = await signGuestToken(SECRET, 'ann', 3600);
      const oidcOnly = TokenVerifier.from({ issuer: issuer.url, audience: 'quartet-api' }) as TokenVerifier;
      await expect(oidcOnly.verify(token)).rejects.toEqual(
        new TokenRefused('guest sessions are not accepted here'),
      );
      const both = TokenVerifier.from({
        issuer: issuer.url,
        audience: 'quartet-api',
        secret: SECRET,
      }) as TokenVerifier;
      expect(await both.verify(token)).toMatchObject({ user: 'ann', guest: true });
      expect(await both.verify(await userToken(signingKey, 'quartet-api'))).toMatchObject({ guest: false });
    });
  });
});
