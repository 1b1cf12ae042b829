// The nginx configuration of quartet's gRPC proxy, rendered for any set of replicas: one
// HTTP/2 listener that routes each call by its gRPC service to an upstream of that service's
// replicas. `renderProxyConfig` is the http-level part (what a container's conf.d holds);
// `renderLocalNginxConf` wraps it so that nginx runs as an ordinary process on this machine.
// `renderContainerProxyConfig` is what deploy/nginx/grpc-proxy.conf and grpc-proxy-tls.conf hold.
import { type Catalogue, CATALOGUE, type CatalogueService } from '@quartet/service-catalogue';

/** Each app's replica addresses, `host:port`. */
export type ReplicaAddresses = Readonly<Record<string, readonly string[]>>;

export interface ProxyOptions {
  /** `host:port` the proxy listens on. */
  readonly listen: string;
  readonly replicas: ReplicaAddresses;
  /** Defaults to the service catalogue's. */
  readonly services?: readonly CatalogueService[];
  /** A file for one line per call (its replica and grpc-status); none by default. */
  readonly accessLog?: string;
  /**
   * HTTP/2 by the `http2 on;` directive (nginx 1.25.1 and later, the default: the containers run
   * nginx 1.28) rather than by the `listen ... http2` parameter it deprecates.
   */
  readonly http2On?: boolean;
  /** TLS to clients and mTLS to the replicas; plaintext both ways when unset. */
  readonly tls?: ProxyTls;
  /**
   * Route each call of a service that names an affinity header (chat: x-chat-room) by that
   * header's hash, for state kept in one replica's memory (chat without REDIS_URL); off by
   * default, since the containers keep chat rooms in Redis, where any replica serves any room.
   */
  readonly affinity?: boolean;
}

/** The proxy's certificates (PEM files); nginx reads them when it starts or reloads. */
export interface ProxyTls {
  /** The certificate the proxy presents to its clients. */
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, clients must present a certificate this CA issued. */
  readonly clientCaFile?: string;
  /** The CA the replicas' certificates must chain to. */
  readonly upstreamCaFile: string;
  /** The client certificate the proxy presents to the replicas. */
  readonly upstreamCertFile: string;
  readonly upstreamKeyFile: string;
  /** The name the replicas' certificates must hold; by default each upstream's own name (its app). */
  readonly upstreamServerName?: string;
}

/** A CA and the server and client certificates it issued, as PEM files. */
export interface LoopbackCertificates {
  readonly ca: { readonly certFile: string };
  readonly server: { readonly certFile: string; readonly keyFile: string };
  readonly client: { readonly certFile: string; readonly keyFile: string };
}

const HOST_PORT = /^(?:[A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/** The http-context configuration: an upstream per service and the listening server. */
export function renderProxyConfig({
  listen,
  replicas,
  services = CATALOGUE.services,
  accessLog,
  http2On = true,
  tls,
  affinity = false,
}: ProxyOptions): string {
  if (!HOST_PORT.test(listen)) throw new Error(`listen: ${JSON.stringify(listen)} is not host:port`);
  const upstreams = services.map((service) => {
    const servers = replicas[service.app] ?? [];
    if (servers.length === 0) throw new Error(`no replicas given for ${service.app}`);
    for (const server of servers) {
      if (!HOST_PORT.test(server))
        throw new Error(`${service.app}: ${JSON.stringify(server)} is not host:port`);
    }
    return [
      `upstream ${service.app} {`,
      ...(affinity && service.affinity
        ? [
            `    # ${service.app} keeps state in one replica's memory: calls with the same ${service.affinity}`,
            '    # header always reach the same replica (a call without it is balanced by round robin).',
            `    hash $http_${service.affinity.replace(/-/g, '_')} consistent;`,
          ]
        : []),
      ...servers.map((server) => `    server ${server} max_fails=1 fail_timeout=5s;`),
      '    # Idle HTTP/2 connections kept open to the replicas; without them nginx would connect anew per call.',
      '    keepalive 32;',
      '    keepalive_timeout 60s;',
      '}',
    ].join('\n');
  });
  const locations = services.map((service) =>
    [
      `    # ${service.style}`,
      `    location /${service.grpcService}/ {`,
      `        grpc_pass ${tls ? 'grpcs' : 'grpc'}://${service.app};`,
      ...(tls ? [`        grpc_ssl_name ${tls.upstreamServerName ?? service.app};`] : []),
      '    }',
    ].join('\n'),
  );
  return `# quartet's gRPC proxy: one HTTP/2 address in front of every replica of every service.
# Rendered from the service catalogue (libs/service-catalogue) by libs/nginx; change those, not this
# (\`npm run proxy-config\` renders the containers' copies, grpc-proxy.conf and grpc-proxy-tls.conf).
${
  accessLog
    ? `
log_format grpc_calls '$time_iso8601 $request_uri $status upstream=$upstream_addr '
                      'grpc-status=$sent_trailer_grpc_status served-by=$upstream_http_x_served_by';
`
    : ''
}
${upstreams.join('\n\n')}

server {
${renderListen(listen, http2On, tls)}
    ${accessLog ? `access_log ${accessLog} grpc_calls;` : 'access_log off;'}
${tls ? renderTls(tls) : ''}
    # Streams, not requests: an upload's body streams through to the replica whatever its size
    # (the upload service enforces UPLOAD_MAX_BYTES), and a stream may stay quiet for an hour,
    # past nginx's 60-second defaults, before either side sends again (a chat nobody speaks in).
    client_max_body_size 0;
    client_body_timeout 1h;
    grpc_read_timeout 1h;
    grpc_send_timeout 1h;
    grpc_socket_keepalive on;
    # One client (the gateway) multiplexes every browser's streams over a connection or two.
    http2_max_concurrent_streams 1024;
    # A call that could not reach a replica (refused, reset before it was sent) goes to the next
    # one; a call a replica has started is never repeated (gRPC calls are POSTs, not idempotent).
    grpc_next_upstream error timeout;

${locations.join('\n\n')}

    # Any other path, reflection and health included (they name no replica), is not ours to route.
    location / {
        default_type application/grpc;
        add_header grpc-status 12 always;
        add_header grpc-message "unknown service: this proxy routes quartet's services only" always;
        return 204;
    }
}
`;
}

function renderListen(listen: string, http2On: boolean, tls: ProxyTls | undefined): string {
  const ssl = tls ? ' ssl' : '';
  return http2On ? `    listen ${listen}${ssl};\n    http2 on;` : `    listen ${listen}${ssl} http2;`;
}

/**
 * TLS both ways: to clients with the proxy's certificate, and to each replica with mTLS, checking
 * the replica's certificate against its CA and name as any other client of the service would.
 */
function renderTls(tls: ProxyTls): string {
  return `
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
${tls.clientCaFile ? `    ssl_client_certificate ${tls.clientCaFile};\n    ssl_verify_client on;\n` : ''}
    grpc_ssl_certificate ${tls.upstreamCertFile};
    grpc_ssl_certificate_key ${tls.upstreamKeyFile};
    grpc_ssl_trusted_certificate ${tls.upstreamCaFile};
    grpc_ssl_verify on;
    grpc_ssl_verify_depth 2;
    grpc_ssl_protocols TLSv1.2 TLSv1.3;
`;
}

/**
 * The TLS of a proxy on this machine in front of loopback replicas, from a CA and the server and
 * client certificates it issued (`npm run certs`, or a test's): the server certificate to the
 * proxy's clients, who must present one from the same CA, and the client one to the replicas,
 * whose certificates name `localhost`.
 */
export function loopbackProxyTls({ ca, server, client }: LoopbackCertificates): ProxyTls {
  return {
    certFile: server.certFile,
    keyFile: server.keyFile,
    clientCaFile: ca.certFile,
    upstreamCaFile: ca.certFile,
    upstreamCertFile: client.certFile,
    upstreamKeyFile: client.keyFile,
    upstreamServerName: 'localhost',
  };
}

/**
 * Whether the nginx that printed `versionText` (`nginx -v`: "nginx version: nginx/1.22.1") has
 * the `http2 on;` directive, which came in 1.25.1.
 */
export function supportsHttp2On(versionText: string): boolean {
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  if (!match) throw new Error(`cannot read an nginx version from ${JSON.stringify(versionText)}`);
  const [major, minor, patch] = match.slice(1).map(Number);
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
}

/**
 * How long the old workers of a reload (or a graceful stop) keep carrying their streams. A chat
 * or ticker stream may last for days: without a bound, old workers (and their memory and the
 * upstreams they still dial) pile up with every reload. When it runs out, nginx closes their
 * connections and the clients resume on the new workers (ticker from_seq, chat since_seq).
 */
export const DEFAULT_WORKER_SHUTDOWN_SECONDS = 30;

/**
 * A whole nginx.conf that runs nginx in the foreground as an ordinary process, with its pid
 * file and temporary folders under `prefix` and its errors on stderr.
 */
export function renderLocalNginxConf({
  prefix,
  proxyConfig,
  workers = 1,
  workerShutdownSeconds = DEFAULT_WORKER_SHUTDOWN_SECONDS,
}: {
  readonly prefix: string;
  readonly proxyConfig: string;
  readonly workers?: number;
  /** How long a reload's old workers keep the streams they carry before closing them. */
  readonly workerShutdownSeconds?: number;
}): string {
  const indented = proxyConfig
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `    ${line}` : line))
    .join('\n');
  return `daemon off;
worker_processes ${workers};
worker_shutdown_timeout ${workerShutdownSeconds}s;
pid ${prefix}/nginx.pid;
error_log stderr warn;

events {
    worker_connections 4096;
}

http {
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;

${indented}
}
`;
}

/**
 * Where the containers' proxy finds its certificates: a Secret (or a bind mount) at /etc/nginx/tls
 * holding the proxy's certificate for its clients, and its client certificate for the replicas.
 */
const CONTAINER_TLS: ProxyTls = {
  certFile: '/etc/nginx/tls/tls.crt',
  keyFile: '/etc/nginx/tls/tls.key',
  upstreamCaFile: '/etc/nginx/tls/ca.crt',
  upstreamCertFile: '/etc/nginx/tls/upstream.crt',
  upstreamKeyFile: '/etc/nginx/tls/upstream.key',
};

/**
 * The containers' proxy config: Compose and Kubernetes name each service by its app, and nginx
 * resolves the name to every replica's address when it starts. The generator passes the
 * catalogue it is writing.
 */
export function renderContainerProxyConfig(tls: boolean, catalogue: Catalogue = CATALOGUE): string {
  return renderProxyConfig({
    listen: `0.0.0.0:${catalogue.proxy.port}`,
    replicas: Object.fromEntries(
      catalogue.services.map((service) => [service.app, [`${service.app}:${service.port}`]]),
    ),
    services: catalogue.services,
    tls: tls ? CONTAINER_TLS : undefined,
  });
}

/** The containers' two proxy configs, by their file names in deploy/nginx. */
export function containerProxyConfigs(catalogue: Catalogue = CATALOGUE): Record<string, string> {
  return {
    'grpc-proxy.conf': renderContainerProxyConfig(false, catalogue),
    'grpc-proxy-tls.conf': renderContainerProxyConfig(true, catalogue),
  };
}
