// `npm run proxy-config`: renders the containers' nginx configs from the service catalogue into
// deploy/nginx (grpc-proxy.conf, and grpc-proxy-tls.conf with TLS both ways). The service
// generator runs it for a new service; the deploy project's tests fail while they are not current.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { containerProxyConfigs } from '@quartet/nginx';

const nginxFolder = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'nginx');
for (const [file, config] of Object.entries(containerProxyConfigs()))
  writeFileSync(join(nginxFolder, file), config);
