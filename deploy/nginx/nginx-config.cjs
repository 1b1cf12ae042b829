// @ts-check
// The nginx configuration of quartet's gRPC proxy, rendered for any set of replicas: one
// HTTP/2 listener that routes each call by its gRPC service to an upstream of that service's
// replicas. `renderProxyConfig` is the http-level part (what a container's conf.d holds);
// `renderLocalNginxConf` wraps it so that nginx runs as an ordinary process on this machine.
// Run this file to print the containers' proxy config, committed as deploy/nginx/grpc-proxy.conf.
'use strict';

// The catalogue of @quartet/service-catalogue: a script cannot import the lib's TypeScript.
const catalogue = require('../../libs/service-catalogue/src/services.json');

/**
 * @typedef {object} ServiceEntry one gRPC service of the service catalogue (libs/service-catalogue)
 * @property {string} app
 * @property {number} port
 * @property {string} grpcService the full name that prefixes its calls' paths, e.g. `helloworld.Greeter`
 * @property {string} style
 * @property {string} [affinity] a request header whose value must always reach the same replica
 */

/**
 * @typedef {object} ProxyOptions
 * @property {string} listen `host:port` the proxy listens on
 * @property {Record<string, readonly string[]>} replicas each app's replica addresses, `host:port`
 * @property {readonly ServiceEntry[]} [services] defaults to the service catalogue (libs/service-catalogue)
 * @property {string} [accessLog] a file for one line per call (its replica and grpc-status); none by default
 * @property {boolean} [http2On] HTTP/2 by the `http2 on;` directive (nginx 1.25.1 and later, the default:
 *   the containers run nginx 1.28) rather than by the `listen ... http2` parameter it deprecates
 * @property {ProxyTls} [tls] TLS to clients and mTLS to the replicas; plaintext both ways when unset
 * @property {boolean} [affinity] route each call of a service that names an affinity header (chat:
 *   x-chat-room) by that header's hash, for state kept in one replica's memory (chat without
 *   REDIS_URL); off by default, since the containers keep chat rooms in Redis, where any replica serves any room
 */

/**
 * @typedef {object} ProxyTls the proxy's certificates (PEM files); nginx reads them when it starts or reloads
 * @property {string} certFile the certificate the proxy presents to its clients
 * @property {string} keyFile
 * @property {string} [clientCaFile] when set, clients must present a certificate this CA issued
 * @property {string} upstreamCaFile the CA the replicas' certificates must chain to
 * @property {string} upstreamCertFile the client certificate the proxy presents to the replicas
 * @property {string} upstreamKeyFile
 * @property {string} [upstreamServerName] the name the replicas' certificates must hold; by default
 *   each upstream's own name (the app, as the containers' DNS names it)
 */

/** @type {readonly ServiceEntry[]} */
const SERVICES = catalogue.services;

const HOST_PORT = /^(?:[A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/**
 * The http-context configuration: an upstream per service and the listening server.
 * @param {ProxyOptions} options
 * @returns {string}
 */
function renderProxyConfig({
  listen,
  replicas,
  services = SERVICES,
  accessLog,
  http2On = true,
  tls,
  affinity = false,
}) {
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
# Rendered from the service catalogue (libs/service-catalogue) by deploy/nginx/nginx-config.cjs; change those, not this
# (\`node deploy/nginx/nginx-config.cjs [--tls] > deploy/nginx/grpc-proxy[-tls].conf\` renders the containers' copies).
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

/**
 * @param {string} listen
 * @param {boolean} http2On
 * @param {ProxyTls | undefined} tls
 */
function renderListen(listen, http2On, tls) {
  const ssl = tls ? ' ssl' : '';
  return http2On ? `    listen ${listen}${ssl};\n    http2 on;` : `    listen ${listen}${ssl} http2;`;
}

/**
 * TLS both ways: to clients with the proxy's certificate, and to each replica with mTLS, checking
 * the replica's certificate against its CA and name as any other client of the service would.
 * @param {ProxyTls} tls
 */
function renderTls(tls) {
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
 * @param {{ ca: { certFile: string }, server: { certFile: string, keyFile: string }, client: { certFile: string, keyFile: string } }} certs
 * @returns {ProxyTls}
 */
function loopbackProxyTls({ ca, server, client }) {
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
 * @param {string} versionText
 * @returns {boolean}
 */
function supportsHttp2On(versionText) {
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  if (!match) throw new Error(`cannot read an nginx version from ${JSON.stringify(versionText)}`);
  const [major, minor, patch] = match.slice(1).map(Number);
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
}

/**
 * A whole nginx.conf that runs nginx in the foreground as an ordinary process, with its pid
 * file and temporary folders under `prefix` and its errors on stderr.
 * @param {{ prefix: string, proxyConfig: string, workers?: number }} options
 * @returns {string}
 */
function renderLocalNginxConf({ prefix, proxyConfig, workers = 1 }) {
  const indented = proxyConfig
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `    ${line}` : line))
    .join('\n');
  return `daemon off;
worker_processes ${workers};
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
 * @type {ProxyTls}
 */
const CONTAINER_TLS = {
  certFile: '/etc/nginx/tls/tls.crt',
  keyFile: '/etc/nginx/tls/tls.key',
  upstreamCaFile: '/etc/nginx/tls/ca.crt',
  upstreamCertFile: '/etc/nginx/tls/upstream.crt',
  upstreamKeyFile: '/etc/nginx/tls/upstream.key',
};

/**
 * The containers' proxy config: Compose and Kubernetes name each service by its app, and nginx
 * resolves the name to every replica's address when it starts.
 * @param {boolean} tls
 */
function renderContainerProxyConfig(tls) {
  return renderProxyConfig({
    listen: `0.0.0.0:${catalogue.proxy.port}`,
    replicas: Object.fromEntries(
      SERVICES.map((service) => [service.app, [`${service.app}:${service.port}`]]),
    ),
    tls: tls ? CONTAINER_TLS : undefined,
  });
}

module.exports = {
  SERVICES,
  loopbackProxyTls,
  renderContainerProxyConfig,
  renderProxyConfig,
  renderLocalNginxConf,
  supportsHttp2On,
};

if (require.main === module) {
  // `--tls`: the variant committed as grpc-proxy-tls.conf, TLS to clients and mTLS to the replicas.
  process.stdout.write(renderContainerProxyConfig(process.argv.includes('--tls')));
}
