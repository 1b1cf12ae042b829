import { CATALOGUE } from '@quartet/service-catalogue';
import {
  containerProxyConfigs,
  DEFAULT_WORKER_SHUTDOWN_SECONDS,
  renderLocalNginxConf,
  renderProxyConfig,
  supportsHttp2On,
} from './nginx-config';

const oneEach = (address: string) =>
  Object.fromEntries(CATALOGUE.services.map(({ app }) => [app, [address]]));

describe(supportsHttp2On.name, () => {
  it.each([
    ['nginx version: nginx/1.22.1', false],
    ['nginx version: nginx/1.25.0', false],
    ['nginx version: nginx/1.25.1', true],
    ['nginx version: nginx/1.28.0', true],
    ['nginx version: nginx/2.0.0', true],
  ])('reads %s as %s', (version, expected) => {
    expect(supportsHttp2On(version)).toBe(expected);
  });

  it('refuses output that names no version', () => {
    expect(() => supportsHttp2On('command not found')).toThrow('cannot read an nginx version');
  });
});

describe(renderProxyConfig.name, () => {
  const options = { listen: '127.0.0.1:1', replicas: oneEach('127.0.0.1:2') };

  it('renders the directive each form needs: `http2 on;` for the containers’ nginx 1.28', () => {
    expect(renderProxyConfig(options)).toMatch(/listen 127\.0\.0\.1:1;\n\s+http2 on;/);
    expect(renderProxyConfig({ ...options, http2On: false })).toContain('listen 127.0.0.1:1 http2;');
  });

  it('routes each service of the catalogue by its path to an upstream of its replicas', () => {
    const sut = renderProxyConfig(options);

    for (const { app, grpcService } of CATALOGUE.services) {
      expect(sut).toContain(`location /${grpcService}/ {\n        grpc_pass grpc://${app};`);
      expect(sut).toContain(`upstream ${app} {`);
    }
  });

  it('refuses an address that is not host:port, and a service without replicas', () => {
    expect(() => renderProxyConfig({ ...options, listen: '127.0.0.1' })).toThrow('is not host:port');
    expect(() =>
      renderProxyConfig({ ...options, replicas: { ...options.replicas, greeter: ['a b:1'] } }),
    ).toThrow('greeter: "a b:1" is not host:port');
    expect(() => renderProxyConfig({ ...options, replicas: {} })).toThrow('no replicas given for');
  });
});

describe(containerProxyConfigs.name, () => {
  it('renders the plaintext and the TLS config for the catalogue it is given', () => {
    const catalogue = {
      ...CATALOGUE,
      services: [
        ...CATALOGUE.services,
        {
          app: 'order-book',
          port: 50070,
          grpcService: 'order_book.v1.OrderBookService',
          style: 'unary' as const,
        },
      ],
    };

    const sut = containerProxyConfigs(catalogue);

    expect(Object.keys(sut)).toEqual(['grpc-proxy.conf', 'grpc-proxy-tls.conf']);
    expect(sut['grpc-proxy.conf']).toContain('server order-book:50070 max_fails=1 fail_timeout=5s;');
    expect(sut['grpc-proxy-tls.conf']).toContain('grpc_pass grpcs://order-book;');
  });
});

describe(renderLocalNginxConf.name, () => {
  it('keeps nginx in the foreground with its pid and temporary files under its prefix', () => {
    const sut = renderLocalNginxConf({ prefix: '/tmp/x', proxyConfig: 'server {\n}\n' });

    expect(sut).toMatch(/^daemon off;\n/);
    expect(sut).toContain('pid /tmp/x/nginx.pid;');
    expect(sut).toContain('client_body_temp_path /tmp/x/client_body;');
    expect(sut).toContain('http {\n    client_body_temp_path');
    expect(sut).toContain('    server {\n    }');
  });

  it('bounds how long a reload’s old workers keep their streams (the reload test measures it)', () => {
    expect(renderLocalNginxConf({ prefix: '/tmp/x', proxyConfig: '' })).toContain(
      `worker_shutdown_timeout ${DEFAULT_WORKER_SHUTDOWN_SECONDS}s;`,
    );
    expect(renderLocalNginxConf({ prefix: '/tmp/x', proxyConfig: '', workerShutdownSeconds: 3 })).toContain(
      'worker_shutdown_timeout 3s;',
    );
  });
});
