import { ConfigError, EnvReader } from './env-reader';
import { readServerConfig } from './server-config';

const read = (env: Record<string, string>) => {
  const reader = new EnvReader(env);
  const config = readServerConfig(reader, 7001);
  reader.done();
  return config;
};

describe(readServerConfig.name, () => {
  it('defaults to loopback, the service port, JSON logs and a 10 s grace period', () => {
    expect(read({})).toMatchObject({
      host: '127.0.0.1',
      port: 7001,
      shutdownGraceMs: 10_000,
      maxConnectionAgeMs: 300_000,
      keepaliveTimeMs: 30_000,
      keepaliveTimeoutMs: 10_000,
      maxConcurrentStreams: 100,
      maxMetadataBytes: 8192,
      callIdleMs: 20_000,
      maxCallMs: 3_600_000,
      logFormat: 'json',
      logLevel: 'log',
      workers: 1,
    });
  });

  it('reads every variable, trimming blanks and treating empty as unset', () => {
    expect(
      read({ HOST: ' 0.0.0.0 ', PORT: '0', INSTANCE_ID: 'pod-a', SHUTDOWN_GRACE_MS: '', LOG_FORMAT: 'text' }),
    ).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      instanceId: 'pod-a',
      shutdownGraceMs: 10_000,
      logFormat: 'text',
    });
  });

  it('accepts host names and IPv6 addresses', () => {
    expect(read({ HOST: 'ticker.quartet.svc' }).host).toBe('ticker.quartet.svc');
    expect(read({ HOST: '::' }).host).toBe('::');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      read({
        HOST: 'a b',
        PORT: '65536',
        LOG_FORMAT: 'xml',
        MAX_CONNECTION_AGE_MS: '1.5',
        MAX_CONCURRENT_STREAMS: '0',
        CALL_IDLE_MS: '-1',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'HOST="a b" is not a host name or IP address',
      'PORT="65536" is not a whole number from 0 to 65535',
      'MAX_CONNECTION_AGE_MS="1.5" is not a whole number from 1000 to 86400000',
      'MAX_CONCURRENT_STREAMS="0" is not a whole number from 1 to 10000',
      'CALL_IDLE_MS="-1" is not a whole number from 100 to 3600000',
      'LOG_FORMAT="xml" is not one of json, text',
    ]);
  });

  it('serves plaintext unless a certificate and key are set, and mTLS with a client CA', () => {
    expect(read({}).tls).toBeUndefined();
    expect(read({ TLS_CERT_FILE: 's.crt', TLS_KEY_FILE: 's.key' }).tls).toEqual({
      certFile: 's.crt',
      keyFile: 's.key',
      clientCaFile: undefined,
      reloadMs: 60_000,
    });
    expect(
      read({
        TLS_CERT_FILE: 's.crt',
        TLS_KEY_FILE: 's.key',
        TLS_CLIENT_CA_FILE: 'ca.crt',
        TLS_RELOAD_MS: '500',
      }).tls,
    ).toEqual({ certFile: 's.crt', keyFile: 's.key', clientCaFile: 'ca.crt', reloadMs: 500 });
  });

  it.each([
    [{ TLS_CERT_FILE: 's.crt' }, 'TLS_CERT_FILE and TLS_KEY_FILE are set together or not at all'],
    [{ TLS_CLIENT_CA_FILE: 'ca.crt' }, 'TLS_CLIENT_CA_FILE is set without TLS_CERT_FILE and TLS_KEY_FILE'],
  ])('refuses half a TLS set-up: %j', (env, problem) => {
    expect(() => read(env)).toThrow(problem);
  });

  it('accepts anonymous calls unless a secret or an issuer is set', () => {
    expect(read({}).auth).toEqual({});
    expect(read({ AUTH_SECRET: 's'.repeat(32) }).auth.secret).toEqual(
      new TextEncoder().encode('s'.repeat(32)),
    );
    expect(read({ AUTH_ISSUER: 'https://id.example.com', AUTH_AUDIENCE: 'quartet-api' }).auth).toEqual({
      issuer: 'https://id.example.com',
      audience: 'quartet-api',
    });
  });

  it('reads the keys of a rotation: AUTH_SECRET signs, AUTH_PREVIOUS_SECRETS still verify', () => {
    const auth = read({
      AUTH_SECRET: 'n'.repeat(32),
      AUTH_PREVIOUS_SECRETS: `${'o'.repeat(32)},${'p'.repeat(33)}`,
    }).auth;
    expect(auth.previousSecrets).toEqual([
      new TextEncoder().encode('o'.repeat(32)),
      new TextEncoder().encode('p'.repeat(33)),
    ]);
  });

  it.each([
    [{ AUTH_SECRET: 'short' }, 'AUTH_SECRET is 5 bytes; an HS256 key needs 32 or more'],
    [{ AUTH_ISSUER: 'https://id.example.com' }, 'AUTH_ISSUER is set without AUTH_AUDIENCE'],
    [
      { AUTH_ISSUER: 'id.example.com', AUTH_AUDIENCE: 'a' },
      'AUTH_ISSUER="id.example.com" is not a URL of scheme http or https',
    ],
    [{ AUTH_JWKS_URL: 'https://id.example.com/keys' }, 'AUTH_JWKS_URL is set without AUTH_ISSUER'],
    [
      { AUTH_SECRET: 's'.repeat(32), AUTH_PREVIOUS_SECRETS: `${'p'.repeat(32)},short` },
      'AUTH_PREVIOUS_SECRETS: key 2 is 5 bytes; an HS256 key needs 32 or more',
    ],
    [{ AUTH_PREVIOUS_SECRETS: 'p'.repeat(32) }, 'AUTH_PREVIOUS_SECRETS is set without AUTH_SECRET'],
  ])('refuses a token set-up that would not protect: %j', (env, problem) => {
    expect(() => read(env)).toThrow(problem);
  });
});
