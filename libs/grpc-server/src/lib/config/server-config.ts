import { hostname } from 'node:os';
import type { AuthSettings } from '@quartet/auth';
import type { ServerTls } from '@quartet/grpc-tls';
import { readAuthSettings } from './auth-config';
import { type ListenAddress, type LogSettings, readListenAddress, readLogSettings } from './process-settings';
import { EnvReader } from './env-reader';

/** What every gRPC service reads from its environment. */
export interface ServerConfig extends ListenAddress, LogSettings {
  /** INSTANCE_ID: sent as `x-served-by` on every call. */
  readonly instanceId: string;
  /** SHUTDOWN_GRACE_MS: how long running calls may go on after SIGTERM. */
  readonly shutdownGraceMs: number;
  /** MAX_CONNECTION_AGE_MS: connections are closed gracefully after this, so clients re-resolve and find new replicas. */
  readonly maxConnectionAgeMs: number;
  /** KEEPALIVE_TIME_MS: how often the server pings each connection, to find clients that vanished without closing. */
  readonly keepaliveTimeMs: number;
  /** KEEPALIVE_TIMEOUT_MS: how long a ping may go unanswered before the connection, and its calls, are closed. */
  readonly keepaliveTimeoutMs: number;
  /** MAX_CONCURRENT_STREAMS: calls one connection may have open at once; more are refused by HTTP/2. */
  readonly maxConcurrentStreams: number;
  /** MAX_METADATA_BYTES: the largest request metadata (headers) a call may send. */
  readonly maxMetadataBytes: number;
  /** CALL_IDLE_MS: how long a call may take to send its first whole message (a stalled partial one included). */
  readonly callIdleMs: number;
  /** MAX_CALL_MS: the longest any call may run, whatever deadline its client set. */
  readonly maxCallMs: number;
  /**
   * TLS_CERT_FILE and TLS_KEY_FILE: serve TLS with this certificate; TLS_CLIENT_CA_FILE: also
   * require client certificates this CA issued (mTLS); TLS_RELOAD_MS: how often the files are
   * read again, so that a rotated certificate is served without a restart. Plaintext when unset.
   */
  readonly tls?: ServerTls;
  /**
   * HEALTH_PORT: a second, plaintext port answering grpc.health.v1 and refusing every other
   * call, for probes that speak no TLS (Kubernetes's). None when unset.
   */
  readonly healthPort?: number;
  /** AUTH_SECRET, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL: whose tokens calls must carry (see auth-config.ts). */
  readonly auth: AuthSettings;
  /**
   * METRICS_PORT: GET /metrics (Prometheus) on a listener of its own, at METRICS_HOST
   * (127.0.0.1 unless set). Off when METRICS_PORT is unset.
   */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** WORKERS: processes serving the same port (Node's cluster), one per core to use; 1 runs the service in this process. */
  readonly workers: number;
}

const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads the settings shared by every service; `reader.done()` is left to the caller, after its own. */
export function readServerConfig(reader: EnvReader, defaultPort: number): ServerConfig {
  return {
    ...readListenAddress(reader, defaultPort),
    instanceId: reader.string(
      'INSTANCE_ID',
      `${hostname()}-${process.pid}`,
      INSTANCE_ID,
      '1 to 128 of A-Z, a-z, 0-9, ".", "_", ":" and "-"',
    ),
    shutdownGraceMs: reader.integer('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    maxConnectionAgeMs: reader.integer('MAX_CONNECTION_AGE_MS', 300_000, 1_000, 86_400_000),
    keepaliveTimeMs: reader.integer('KEEPALIVE_TIME_MS', 30_000, 1_000, 86_400_000),
    keepaliveTimeoutMs: reader.integer('KEEPALIVE_TIMEOUT_MS', 10_000, 1_000, 600_000),
    maxConcurrentStreams: reader.integer('MAX_CONCURRENT_STREAMS', 100, 1, 10_000),
    maxMetadataBytes: reader.integer('MAX_METADATA_BYTES', 8 * 1024, 1024, 1024 * 1024),
    callIdleMs: reader.integer('CALL_IDLE_MS', 20_000, 100, 3_600_000),
    maxCallMs: reader.integer('MAX_CALL_MS', 3_600_000, 1_000, 86_400_000),
    tls: readServerTls(reader),
    healthPort:
      reader.optional('HEALTH_PORT') === undefined ? undefined : reader.integer('HEALTH_PORT', 0, 0, 65535),
    auth: readAuthSettings(reader),
    metrics: readMetricsListener(reader),
    workers: reader.integer('WORKERS', 1, 1, 64),
    ...readLogSettings(reader),
  };
}

function readMetricsListener(reader: EnvReader): ServerConfig['metrics'] {
  const host = reader.string('METRICS_HOST', '127.0.0.1');
  if (reader.optional('METRICS_PORT') === undefined) return undefined;
  return { host, port: reader.integer('METRICS_PORT', 0, 0, 65535) };
}

function readServerTls(reader: EnvReader): ServerTls | undefined {
  const certFile = reader.optional('TLS_CERT_FILE');
  const keyFile = reader.optional('TLS_KEY_FILE');
  const clientCaFile = reader.optional('TLS_CLIENT_CA_FILE');
  const reloadMs = reader.integer('TLS_RELOAD_MS', 60_000, 100, 86_400_000);
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined)
      reader.problem('TLS_CLIENT_CA_FILE is set without TLS_CERT_FILE and TLS_KEY_FILE');
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    reader.problem('TLS_CERT_FILE and TLS_KEY_FILE are set together or not at all');
    return undefined;
  }
  return { certFile, keyFile, clientCaFile, reloadMs };
}
