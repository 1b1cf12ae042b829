import { readRedisConnection, type RedisConnection } from '@quartet/redis';
import { parseTarget } from '@quartet/grpc-client';
import {
  EnvReader,
  type Environment,
  type LogSettings,
  readAuthSettings,
  readListenAddress,
  readLogSettings,
} from '@quartet/grpc-server';
import type { ClientTls } from '@quartet/grpc-tls';
import { type GatewayAuth, readGatewayAuth } from './auth/auth-config';
import { defaultPort, gatewayBackends, localTarget, targetVariable } from '@quartet/service-catalogue';
import { proxyTrust } from './edge/client-address';

export interface GatewayConfig extends LogSettings {
  /** HOST and PORT of the HTTP server. */
  readonly host: string;
  readonly port: number;
  /** GREETER_TARGET, TICKER_TARGET, ...: grpc-js targets of the catalogue's gateway backends, by app. */
  readonly targets: Readonly<Record<string, string>>;
  /**
   * GRPC_TLS_CA_FILE: call the backends over TLS, trusting this CA; GRPC_TLS_CERT_FILE and
   * GRPC_TLS_KEY_FILE: present this client certificate (mTLS). Read again every TLS_RELOAD_MS.
   * GRPC_TLS_SERVER_NAME: the name the backends' certificates hold, when targets are addresses.
   */
  readonly grpcTls?: ClientTls;
  /** DEADLINE_MS: the deadline of every unary call to a backend. */
  readonly deadlineMs: number;
  /** STREAM_DEADLINE_MS: the deadline of every streaming call (a ticker, an upload, a chat session). */
  readonly streamDeadlineMs: number;
  /** WEB_ROOT: the built web page (`nx build web`), served at `/`. */
  readonly webRoot: string;
  /** How the gateway stops on SIGTERM (docs/shutdown.md). */
  readonly shutdown: GatewayShutdown;
  /** The limits a client meets at the gateway (docs/configuration.md#the-gateway). */
  readonly limits: GatewayLimits;
  /** Who may call the API, and what each user may use (docs/security.md#users-at-the-gateway). */
  readonly auth: GatewayAuth;
  /** METRICS_HOST and METRICS_PORT: the Prometheus endpoint's own listener, loopback by default. */
  readonly metrics: { readonly host: string; readonly port: number };
  /**
   * TRUSTED_PROXIES: comma-separated addresses or CIDR ranges of the proxies in front of the
   * gateway, whose X-Forwarded-For, Forwarded and X-Forwarded-Proto are believed (see
   * docs/security.md). Empty by default: the peer is the client.
   */
  readonly trustedProxies: readonly string[];
  /**
   * REDIS_URL (and REDIS_TLS_CA_FILE): where sign-outs, rate limits, upload quotas and stream
   * slots are shared with the other gateway replicas; without it, each replica keeps its own.
   */
  readonly redis?: RedisConnection;
}

export interface GatewayShutdown {
  /** SHUTDOWN_SETTLE_MS: how long /readyz answers 503 while everything is still served, for load balancers to notice. */
  readonly settleMs: number;
  /** SHUTDOWN_GRACE_MS: how long running requests and uploads may then take before what is left is cut. */
  readonly graceMs: number;
}

export interface GatewayLimits {
  /** HEADERS_TIMEOUT_MS: how long a client may take to send a request's headers (slowloris). */
  readonly headersTimeoutMs: number;
  /** BODY_MIN_BYTES_PER_SECOND and BODY_RATE_WINDOW_MS: the slowest an upload's body may arrive. */
  readonly bodyMinBytesPerSecond: number;
  readonly bodyRateWindowMs: number;
  /** MAX_CONNECTIONS: HTTP connections open at once; more are closed as they arrive. */
  readonly maxConnections: number;
  /** MAX_STREAMS and MAX_STREAMS_PER_CLIENT: open SSE streams, WebSockets and uploads, in all and per client address. */
  readonly maxStreams: number;
  readonly maxStreamsPerClient: number;
  /** STREAM_LEASE_MS: with REDIS_URL, how long a dead replica's stream slots stay taken. */
  readonly streamLeaseMs: number;
  /** WS_PING_INTERVAL_MS: how often each WebSocket is pinged; one that missed the last pong is dropped. */
  readonly wsPingIntervalMs: number;
  /** WS_MAX_UNSENT_BYTES: a WebSocket member with more than this waiting for it to read is dropped. */
  readonly maxUnsentBytes: number;
  /** WS_MAX_BAD_FRAMES: bad frames a member may send (each answered) before it is closed with 1008. */
  readonly maxBadFrames: number;
}

export const GATEWAY_CONFIG = Symbol('GatewayConfig');

/** Where Prometheus scrapes the gateway by default: the port OpenTelemetry's Prometheus exporter uses. */
const DEFAULT_METRICS_PORT = 9464;

/**
 * The gateway's settings from its environment; throws a ConfigError naming every bad variable.
 * `defaultWebRoot` is where the build put the page: `dist/apps/web`, beside the gateway's bundle.
 */
export function loadConfig(env: Environment, defaultWebRoot = 'dist/apps/web'): GatewayConfig {
  const reader = new EnvReader(env);
  // Only what the gateway uses: not the services' settings (TLS_CERT_FILE, CALL_IDLE_MS, ...).
  const { host, port } = readListenAddress(reader, defaultPort('gateway'));
  const targets: Record<string, string> = {};
  for (const backend of gatewayBackends()) {
    const variable = targetVariable(backend);
    const defaultTarget = localTarget(backend);
    const parsed = parseTarget(variable, reader.string(variable, defaultTarget));
    if ('error' in parsed) reader.problem(parsed.error);
    targets[backend] = 'target' in parsed ? parsed.target : defaultTarget;
  }
  const grpcTls = readClientTls(reader);
  const deadlineMs = reader.integer('DEADLINE_MS', 5_000, 1, 300_000);
  const streamDeadlineMs = reader.integer('STREAM_DEADLINE_MS', 3_600_000, 1, 86_400_000);
  const webRoot = reader.string('WEB_ROOT', defaultWebRoot);
  const limits: GatewayLimits = {
    headersTimeoutMs: reader.integer('HEADERS_TIMEOUT_MS', 10_000, 1_000, 300_000),
    bodyMinBytesPerSecond: reader.integer('BODY_MIN_BYTES_PER_SECOND', 1_024, 1, 1024 ** 3),
    bodyRateWindowMs: reader.integer('BODY_RATE_WINDOW_MS', 10_000, 100, 600_000),
    maxConnections: reader.integer('MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    maxStreams: reader.integer('MAX_STREAMS', 2_000, 1, 1_000_000),
    maxStreamsPerClient: reader.integer('MAX_STREAMS_PER_CLIENT', 16, 1, 100_000),
    streamLeaseMs: reader.integer('STREAM_LEASE_MS', 30_000, 1_000, 600_000),
    wsPingIntervalMs: reader.integer('WS_PING_INTERVAL_MS', 20_000, 100, 600_000),
    maxUnsentBytes: reader.integer('WS_MAX_UNSENT_BYTES', 1024 * 1024, 64 * 1024, 1024 ** 3),
    maxBadFrames: reader.integer('WS_MAX_BAD_FRAMES', 100, 0, 1_000_000),
  };
  if (limits.maxStreamsPerClient > limits.maxStreams) {
    reader.problem(
      `MAX_STREAMS_PER_CLIENT=${limits.maxStreamsPerClient} is over MAX_STREAMS=${limits.maxStreams}`,
    );
  }
  const shutdown: GatewayShutdown = {
    settleMs: reader.integer('SHUTDOWN_SETTLE_MS', 5_000, 0, 60_000),
    graceMs: reader.integer('SHUTDOWN_GRACE_MS', 20_000, 0, 600_000),
  };
  const auth = readGatewayAuth(reader, readAuthSettings(reader));
  const logging = readLogSettings(reader);
  const metrics = {
    host: reader.string('METRICS_HOST', '127.0.0.1'),
    port: reader.integer('METRICS_PORT', DEFAULT_METRICS_PORT, 0, 65535),
  };
  const trustedProxies = readTrustedProxies(reader);
  const redis = readRedisConnection(reader);
  reader.done();
  return {
    host,
    port,
    targets,
    grpcTls,
    deadlineMs,
    streamDeadlineMs,
    webRoot,
    shutdown,
    limits,
    auth,
    metrics,
    trustedProxies,
    redis,
    ...logging,
  };
}

function readTrustedProxies(reader: EnvReader): string[] {
  const entries = (reader.optional('TRUSTED_PROXIES') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  try {
    proxyTrust(entries);
  } catch (error) {
    reader.problem(`TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  return entries;
}

function readClientTls(reader: EnvReader): ClientTls | undefined {
  const caFile = reader.optional('GRPC_TLS_CA_FILE');
  const certFile = reader.optional('GRPC_TLS_CERT_FILE');
  const keyFile = reader.optional('GRPC_TLS_KEY_FILE');
  const reloadMs = reader.integer('TLS_RELOAD_MS', 60_000, 100, 86_400_000);
  const serverName = reader.optional('GRPC_TLS_SERVER_NAME');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    reader.problem('GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE are set together or not at all');
  }
  if (caFile === undefined) {
    if (certFile !== undefined) reader.problem('GRPC_TLS_CERT_FILE is set without GRPC_TLS_CA_FILE');
    return undefined;
  }
  const identity = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : {};
  return { caFile, ...identity, reloadMs, serverName };
}
