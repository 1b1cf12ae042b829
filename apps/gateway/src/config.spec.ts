import { ConfigError } from '@quartet/grpc-server';
import { CATALOGUE, catalogueService, gatewayBackends } from '@quartet/service-catalogue';
import { loadConfig } from './config';

describe(loadConfig.name, () => {
  it('defaults to the catalogue: its own port, and each service on this machine', () => {
    expect(loadConfig({})).toMatchObject({
      host: '127.0.0.1',
      port: CATALOGUE.gateway.port,
      deadlineMs: 5_000,
      targets: Object.fromEntries(
        gatewayBackends().map((backend) => [backend, `127.0.0.1:${catalogueService(backend).port}`]),
      ),
    });
  });

  it('reads replica lists and dns targets', () => {
    const config = loadConfig({
      GREETER_TARGET: '127.0.0.1:7001,127.0.0.1:7011',
      CHAT_TARGET: 'dns:///chat.quartet.svc.cluster.local:7004',
    });
    expect(config.targets.greeter).toBe('ipv4:127.0.0.1:7001,127.0.0.1:7011');
    expect(config.targets.chat).toBe('dns:///chat.quartet.svc.cluster.local:7004');
  });

  it('sets a safe default for every limit a client meets', () => {
    expect(loadConfig({}).limits).toEqual({
      headersTimeoutMs: 10_000,
      bodyMinBytesPerSecond: 1_024,
      bodyRateWindowMs: 10_000,
      maxConnections: 10_000,
      maxStreams: 2_000,
      maxStreamsPerClient: 16,
      streamLeaseMs: 30_000,
      wsPingIntervalMs: 20_000,
      maxUnsentBytes: 1024 * 1024,
      maxBadFrames: 100,
    });
  });

  it('refuses a per-client stream limit over the total', () => {
    expect(() => loadConfig({ MAX_STREAMS: '10', MAX_STREAMS_PER_CLIENT: '11' })).toThrow(
      new ConfigError(['MAX_STREAMS_PER_CLIENT=11 is over MAX_STREAMS=10']),
    );
  });

  it('names every bad variable in one error', () => {
    expect(() => loadConfig({ TICKER_TARGET: 'nowhere', DEADLINE_MS: '0' })).toThrow(
      new ConfigError([
        'TICKER_TARGET="nowhere" is not <host>:<port>, a comma-separated list of them, or a dns:/ipv4:/ipv6: target',
        'DEADLINE_MS="0" is not a whole number from 1 to 300000',
      ]),
    );
  });

  it('calls the backends in plaintext unless given a CA, and presents a certificate when given one', () => {
    expect(loadConfig({}).grpcTls).toBeUndefined();
    expect(loadConfig({ GRPC_TLS_CA_FILE: 'ca.crt' }).grpcTls).toEqual({
      caFile: 'ca.crt',
      reloadMs: 60_000,
    });
    expect(
      loadConfig({
        GRPC_TLS_CA_FILE: 'ca.crt',
        GRPC_TLS_CERT_FILE: 'c.crt',
        GRPC_TLS_KEY_FILE: 'c.key',
        GRPC_TLS_SERVER_NAME: 'localhost',
      }).grpcTls,
    ).toEqual({
      caFile: 'ca.crt',
      certFile: 'c.crt',
      keyFile: 'c.key',
      reloadMs: 60_000,
      serverName: 'localhost',
    });
  });

  it('refuses a client certificate without a CA to check the backends with, or without its key', () => {
    expect(() => loadConfig({ GRPC_TLS_CERT_FILE: 'c.crt', GRPC_TLS_KEY_FILE: 'c.key' })).toThrow(
      new ConfigError(['GRPC_TLS_CERT_FILE is set without GRPC_TLS_CA_FILE']),
    );
    expect(() => loadConfig({ GRPC_TLS_CA_FILE: 'ca.crt', GRPC_TLS_CERT_FILE: 'c.crt' })).toThrow(
      new ConfigError(['GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE are set together or not at all']),
    );
  });

  it('hands out guest sessions by default, signed with a key made at start when AUTH_SECRET is unset', () => {
    const { auth } = loadConfig({});
    expect(auth).toMatchObject({ guests: true, ephemeralSecret: true, sessionTtlSeconds: 43_200 });
    expect(auth.tokens.secret).toHaveLength(32);
    expect(loadConfig({ AUTH_SECRET: 's'.repeat(32) }).auth.ephemeralSecret).toBe(false);
  });

  it('turns guests off for an OpenID Connect issuer unless AUTH_GUESTS says otherwise', () => {
    const issuer = { AUTH_ISSUER: 'https://id.example.com', AUTH_AUDIENCE: 'quartet-api' };
    expect(loadConfig(issuer).auth).toMatchObject({ guests: false, ephemeralSecret: false });
    expect(loadConfig({ ...issuer, AUTH_GUESTS: 'true' }).auth).toMatchObject({
      guests: true,
      ephemeralSecret: true,
    });
  });

  it('refuses a set-up no one can sign in to, and an origin that is not one', () => {
    expect(() =>
      loadConfig({ AUTH_GUESTS: 'false', ALLOWED_ORIGINS: 'https://ok.example, partner.example' }),
    ).toThrow(
      new ConfigError([
        'AUTH_GUESTS=false leaves no way to sign in: set AUTH_ISSUER and AUTH_AUDIENCE, or AUTH_SECRET',
        'ALLOWED_ORIGINS: "partner.example" is not an origin such as https://example.com',
      ]),
    );
  });

  it('trusts no proxy by default, and names a TRUSTED_PROXIES entry that is no address or range', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1 ,::1' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,ingress' })).toThrow(
      new ConfigError(['TRUSTED_PROXIES: "ingress" is not an address or CIDR range']),
    );
  });

  it('drains in 5 s of settle and 20 s of grace by default, and reads none of the services’ settings', () => {
    expect(loadConfig({}).shutdown).toEqual({ settleMs: 5_000, graceMs: 20_000 });
    expect(loadConfig({ SHUTDOWN_SETTLE_MS: '0', SHUTDOWN_GRACE_MS: '500' }).shutdown).toEqual({
      settleMs: 0,
      graceMs: 500,
    });
    expect(() =>
      loadConfig({ TLS_CERT_FILE: 'half.crt', CALL_IDLE_MS: 'x', MAX_CONNECTION_AGE_MS: 'y' }),
    ).not.toThrow();
  });

  it('honours LOG_LEVEL and LOG_FORMAT', () => {
    expect(loadConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'text' })).toMatchObject({
      logLevel: 'warn',
      logFormat: 'text',
    });
  });
});
