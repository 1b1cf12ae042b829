import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CATALOGUE as catalogue } from '@quartet/service-catalogue';
import { renderContainerProxyConfig, renderProxyConfig } from '@quartet/nginx';
import { REDIS_ACL_RULES } from '@quartet/redis';
import { parseDockerfile, type Stage, stageEnv } from './support/dockerfile';
import { imageBuildOf } from './support/image-build';

// No container engine or cluster runs here: these check that the Dockerfiles, the compose file
// and the Kubernetes manifests agree with the apps (the service catalogue) and with the
// promises the README makes about them. image-contents.e2e.spec.ts runs what the images hold.

const root = join(__dirname, '..', '..');
const k8sDir = join(__dirname, '..', 'k8s');
const { services, gateway, proxy } = catalogue;

/** Where every Deployment mounts its certificate's Secret, and the port kubelet probes in plaintext. */
const TLS_DIR = '/etc/quartet/tls';
const HEALTH_PORT = 8081;
/** The guest sessions' key, one Secret for the gateway's replicas and every service. */
const SESSION_KEY = {
  name: 'AUTH_SECRET',
  valueFrom: { secretKeyRef: { name: 'quartet-auth', key: 'session-key' } },
};

/** Where every pod serves GET /metrics for Prometheus, apart from the port it serves users on. */
const METRICS_PORT = 9464;

/** The drain (graceful-shutdown.ts): SHUTDOWN_GRACE_MS for running calls, then a second to flush statuses. */
const FLUSH_MS = 1_000;

// Parsed YAML of any kind: the assertions below are what check its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = { kind: string; metadata: { name: string }; spec: Record<string, any> };

const manifests: Manifest[] = readdirSync(k8sDir)
  .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8')).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      return document.toJS() as Manifest;
    }),
  );
const find = (kind: string, name: string): Manifest => {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} in deploy/k8s`);
  return found;
};
const containerOf = (deployment: Manifest) => deployment.spec['template'].spec.containers[0];
const expectTlsSecretMounted = (deployment: Manifest, secretName: string) => {
  expect(containerOf(deployment).volumeMounts).toContainEqual({
    name: 'tls',
    mountPath: TLS_DIR,
    readOnly: true,
  });
  expect(deployment.spec['template'].spec.volumes).toContainEqual({ name: 'tls', secret: { secretName } });
};
const envOf = (container: { env?: { name: string; value?: string }[] }) =>
  Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value]));
const dockerfileOf = (app: string): Stage[] => {
  const build = imageBuildOf(app);
  return parseDockerfile(build.text, build.args);
};

describe('Kubernetes manifests', () => {
  it('are all listed in the kustomization, which lists nothing else', () => {
    const kustomization = parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'));
    const files = readdirSync(k8sDir).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(kustomization.namespace).toBe('quartet');
  });

  it('give every Service that carries gRPC no cluster IP, so that DNS names every pod', () => {
    const grpcServices = manifests.filter(
      (manifest) =>
        manifest.kind === 'Service' &&
        manifest.spec['ports'].some((port: { appProtocol?: string }) => port.appProtocol === 'grpc'),
    );
    expect(grpcServices.map((service) => service.metadata.name).sort()).toEqual(
      services.map((service) => service.app).sort(),
    );
    for (const service of grpcServices) expect(service.spec['clusterIP']).toBe('None');
  });

  describe.each(services)('$app', ({ app, port, grpcService }) => {
    const deployment = find('Deployment', app);
    const container = containerOf(deployment);

    it('listens on its port, which its headless Service exposes', () => {
      const service = find('Service', app);
      expect(container.ports).toEqual([
        { name: 'grpc', containerPort: port },
        { name: 'health', containerPort: HEALTH_PORT },
        { name: 'metrics', containerPort: METRICS_PORT },
      ]);
      expect(service.spec['ports']).toEqual([
        { name: 'grpc', port, targetPort: 'grpc', appProtocol: 'grpc' },
      ]);
      expect(service.spec['selector']).toEqual(deployment.spec['selector'].matchLabels);
      expect(deployment.spec['template'].metadata.labels).toMatchObject(
        deployment.spec['selector'].matchLabels,
      );
    });

    it('is probed with grpc.health.v1 on its plaintext health port: ready when its service serves, live when the server does', () => {
      expect(envOf(container)['HEALTH_PORT']).toBe(String(HEALTH_PORT));
      expect(container.readinessProbe.grpc).toEqual({ port: HEALTH_PORT, service: grpcService });
      expect(container.livenessProbe.grpc).toEqual({ port: HEALTH_PORT });
    });

    it('verifies the gateway’s tokens, with the key of the Secret the gateway signs them with', () => {
      expect(container.env).toContainEqual(SESSION_KEY);
    });

    it('serves mTLS with the certificate cert-manager issues for its Service’s names', () => {
      expect(envOf(container)).toMatchObject({
        TLS_CERT_FILE: `${TLS_DIR}/tls.crt`,
        TLS_KEY_FILE: `${TLS_DIR}/tls.key`,
        TLS_CLIENT_CA_FILE: `${TLS_DIR}/ca.crt`,
      });
      expectTlsSecretMounted(deployment, `${app}-tls`);
      const certificate = find('Certificate', `${app}-tls`);
      expect(certificate.spec['dnsNames']).toEqual([
        app,
        `${app}.quartet.svc`,
        `${app}.quartet.svc.cluster.local`,
      ]);
      expect(certificate.spec['usages']).toContain('server auth');
      expect(certificate.spec['issuerRef'].name).toBe('quartet-ca-issuer');
    });

    it('is given the time its drain takes before it is killed', () => {
      const env = envOf(container);
      const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
      const drainMs = Number(env['SHUTDOWN_GRACE_MS']) + FLUSH_MS;
      expect(drainMs).toBeGreaterThan(FLUSH_MS);
      expect(deployment.spec['template'].spec.terminationGracePeriodSeconds * 1_000).toBeGreaterThan(
        preStopSeconds * 1_000 + drainMs,
      );
    });

    it('closes connections often enough that clients find new pods', () => {
      const ageMs = Number(envOf(container)['MAX_CONNECTION_AGE_MS']);
      expect(ageMs).toBeGreaterThanOrEqual(1_000);
      expect(ageMs).toBeLessThanOrEqual(60_000);
    });

    it('names each pod in x-served-by, asks for resources and runs as a non-root user', () => {
      expect(container.env).toContainEqual({
        name: 'INSTANCE_ID',
        valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
      });
      expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources.limits.memory).toEqual(expect.any(String));
      expect(deployment.spec['template'].spec.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(container.image).toBe(`quartet/${app}:latest`);
    });
  });

  describe.each([...services.map(({ app }) => app), 'gateway'])('%s', (app) => {
    const deployment = find('Deployment', app);
    const container = containerOf(deployment);

    it('is scraped by Prometheus on its own metrics port, on the pod’s address', () => {
      expect(deployment.spec['template'].metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(METRICS_PORT),
        'prometheus.io/path': '/metrics',
      });
      expect(envOf(container)).toMatchObject({ METRICS_HOST: '0.0.0.0', METRICS_PORT: String(METRICS_PORT) });
      const service = manifests.find(
        (manifest) => manifest.kind === 'Service' && manifest.metadata.name === app,
      );
      expect(JSON.stringify(service?.spec['ports'] ?? [])).not.toContain(String(METRICS_PORT));
    });

    it('takes its OTEL_* settings from an optional ConfigMap, so that nothing is traced without one', () => {
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'quartet-telemetry', optional: true } }]);
      expect(Object.keys(envOf(container)).filter((name) => name.startsWith('OTEL_'))).toEqual([]);
    });
  });

  /** How `app` reaches the Redis the manifests run: as its own ACL user, over TLS, trusting quartet's CA. */
  const expectSignedInToRedis = (deployment: Manifest, user: keyof typeof REDIS_ACL_RULES) => {
    const redisService = find('Service', 'redis');
    const port = redisService.spec['ports'][0].port;
    const env: { name: string }[] = containerOf(deployment).env;
    expect(envOf(containerOf(deployment))).toMatchObject({
      REDIS_URL: `rediss://${user}:$(REDIS_PASSWORD)@${redisService.metadata.name}:${port}`,
      REDIS_TLS_CA_FILE: `${TLS_DIR}/ca.crt`,
    });
    expect(env).toContainEqual({
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'quartet-redis', key: `${user}-password` } },
    });
    // Kubernetes expands $(REDIS_PASSWORD) only from a variable defined before it.
    const names = env.map(({ name }) => name);
    expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('REDIS_URL'));
  };

  it('run three chat replicas that share their rooms in the Redis the manifests run, as its ACL user over TLS', () => {
    const chat = find('Deployment', 'chat');
    expect(chat.spec['replicas']).toBe(3);
    expectSignedInToRedis(chat, 'chat');
    expect(find('Service', 'redis').spec['clusterIP']).toBe('None');
  });

  it('count the gateway replicas’ limits in that Redis, as its own ACL user over TLS', () => {
    const gateway = find('Deployment', 'gateway');
    expect(gateway.spec['replicas']).toBeGreaterThan(1);
    expectSignedInToRedis(gateway, 'gateway');
  });

  it('run Redis on TLS only, with no default user and each app held to the ACL rules its specs run under', () => {
    const container = containerOf(find('StatefulSet', 'redis'));
    const args: string[] = container.args;
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect([after('--port'), after('--tls-port')]).toEqual([
      '0',
      String(find('Service', 'redis').spec['ports'][0].port),
    ]);
    expect([after('--tls-cert-file'), after('--tls-key-file'), after('--tls-ca-cert-file')]).toEqual([
      `${TLS_DIR}/tls.crt`,
      `${TLS_DIR}/tls.key`,
      `${TLS_DIR}/ca.crt`,
    ]);
    expectTlsSecretMounted(find('StatefulSet', 'redis'), 'redis-tls');
    // The users come last: each runs from its --user to the next.
    const starts = args.flatMap((arg, at) => (arg === '--user' ? [at] : []));
    const users = starts.map((at, i) => args.slice(at + 1, starts[i + 1] ?? args.length));
    expect(users[0]).toEqual(['default', 'off']);
    for (const [name, rules] of Object.entries(REDIS_ACL_RULES)) {
      expect(users).toContainEqual([name, 'on', `>$(${name.toUpperCase()}_PASSWORD)`, ...rules]);
      expect(container.env).toContainEqual({
        name: `${name.toUpperCase()}_PASSWORD`,
        valueFrom: { secretKeyRef: { name: 'quartet-redis', key: `${name}-password` } },
      });
    }
    expect(users).toHaveLength(1 + Object.keys(REDIS_ACL_RULES).length);
    expect(container.readinessProbe.exec.command.join(' ')).toMatch(
      /redis-cli --tls --cacert \S+ca\.crt .*--user chat ping/,
    );
    const certificate = find('Certificate', 'redis-tls');
    expect(certificate.spec['dnsNames']).toContain('redis');
    expect(certificate.spec['issuerRef'].name).toBe('quartet-ca-issuer');
  });

  describe('NetworkPolicies', () => {
    const workloadNames = manifests
      .filter((manifest) => ['Deployment', 'StatefulSet', 'Job'].includes(manifest.kind))
      .map((manifest) => manifest.spec['template'].metadata.labels['app.kubernetes.io/name']);
    const callersOf = (name: string, port: string) => {
      const policy = find('NetworkPolicy', name);
      expect(policy.spec['podSelector']).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
      expect(policy.spec['policyTypes']).toEqual(['Ingress']);
      const rules: {
        from?: { podSelector: { matchLabels: Record<string, string> } }[];
        ports: { port: string }[];
      }[] = policy.spec['ingress'];
      const toPort = rules.filter((rule) => rule.ports.some((entry) => entry.port === port));
      expect(toPort).toHaveLength(1);
      return (toPort[0]?.from ?? []).map(
        (source) => source.podSelector.matchLabels['app.kubernetes.io/name'],
      );
    };

    it.each(services.map(({ app }) => app))('let only the gateway (and a grpc-proxy) call %s', (app) => {
      expect(callersOf(app, 'grpc')).toEqual(['gateway', 'grpc-proxy']);
      expect(workloadNames).toContain('gateway');
    });

    it('let only chat and the gateway reach Redis, and only upload (and its bucket Job) reach MinIO', () => {
      expect(callersOf('redis', 'redis')).toEqual(['chat', 'gateway']);
      expect(callersOf('minio', 's3')).toEqual(['upload', 'minio-bucket']);
      for (const name of ['chat', 'gateway', 'upload', 'minio-bucket']) expect(workloadNames).toContain(name);
    });
  });

  it('run Redis with every write in an append-only file on a persistent volume, evicting nothing', () => {
    const redis = find('StatefulSet', 'redis');
    expect(redis.spec['replicas']).toBe(1);
    const container = containerOf(redis);
    expect(container.args.join(' ')).toMatch(/--appendonly yes/);
    expect(container.args.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    const [claim] = redis.spec['volumeClaimTemplates'];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('run upload on the bucket of the MinIO they run, with no volume and no ReadWriteMany claim', () => {
    const deployment = find('Deployment', 'upload');
    const container = containerOf(deployment);
    const env = envOf(container);
    const minio = find('Service', 'minio');
    expect(env['AWS_ENDPOINT_URL_S3']).toBe(`http://${minio.metadata.name}:${minio.spec['ports'][0].port}`);
    expect(env['S3_FORCE_PATH_STYLE']).toBe('true');
    expect(env['UPLOAD_BUCKET']).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
    for (const [variable, key] of [
      ['AWS_ACCESS_KEY_ID', 'access-key-id'],
      ['AWS_SECRET_ACCESS_KEY', 'secret-access-key'],
    ]) {
      expect(container.env).toContainEqual({
        name: variable,
        valueFrom: { secretKeyRef: { name: 'quartet-object-store', key } },
      });
    }
    expect(deployment.spec['template'].spec.volumes.map((volume: { name: string }) => volume.name)).toEqual([
      'tls',
    ]);
    const claims = manifests.filter((manifest) => manifest.kind === 'PersistentVolumeClaim');
    const templates = manifests.flatMap((manifest) => manifest.spec?.['volumeClaimTemplates'] ?? []);
    for (const claim of [
      ...claims.map((manifest) => manifest.spec),
      ...templates.map((t: Manifest) => t.spec),
    ]) {
      expect(claim.accessModes).toEqual(['ReadWriteOnce']);
    }
  });

  it('run MinIO on a ReadWriteOnce volume, and make the upload bucket once it answers', () => {
    const minio = find('StatefulSet', 'minio');
    expect(minio.spec['replicas']).toBe(1);
    const container = containerOf(minio);
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(container.args).toEqual(['server', '/data']);
    expect(container.readinessProbe.httpGet.path).toBe('/minio/health/ready');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const bucket = envOf(containerOf(find('Deployment', 'upload')))['UPLOAD_BUCKET'];
    const job = containerOf(find('Job', 'minio-bucket'));
    expect(job.args.join(' ')).toContain(`mc mb --ignore-existing quartet/${bucket}`);
  });

  it('point the gateway at every service by its headless Service’s DNS name', () => {
    const container = containerOf(find('Deployment', 'gateway'));
    const env = envOf(container);
    for (const { app, port, targetVariable } of services.filter((service) => service.targetVariable)) {
      expect(env[targetVariable as string]).toBe(`dns:///${app}.quartet.svc.cluster.local:${port}`);
    }
    expect(container.ports).toEqual([
      { name: 'http', containerPort: gateway.port },
      { name: 'metrics', containerPort: METRICS_PORT },
    ]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  it('give the gateway longer than its drain before it is killed', () => {
    const deployment = find('Deployment', 'gateway');
    const container = containerOf(deployment);
    const env = envOf(container);
    const preStopMs = Number(container.lifecycle.preStop.exec.command[1]) * 1_000;
    const drainMs = Number(env['SHUTDOWN_SETTLE_MS']) + Number(env['SHUTDOWN_GRACE_MS']) + FLUSH_MS;
    expect(Number(env['SHUTDOWN_GRACE_MS'])).toBeGreaterThan(0);
    expect(deployment.spec['template'].spec.terminationGracePeriodSeconds * 1_000).toBeGreaterThan(
      preStopMs + drainMs,
    );
  });

  it('give the gateway a client certificate from the CA the services check', () => {
    const deployment = find('Deployment', 'gateway');
    expect(envOf(containerOf(deployment))).toMatchObject({
      GRPC_TLS_CA_FILE: `${TLS_DIR}/ca.crt`,
      GRPC_TLS_CERT_FILE: `${TLS_DIR}/tls.crt`,
      GRPC_TLS_KEY_FILE: `${TLS_DIR}/tls.key`,
    });
    expectTlsSecretMounted(deployment, 'gateway-client-tls');
    expect(containerOf(deployment).env).toContainEqual(SESSION_KEY);
    const certificate = find('Certificate', 'gateway-client-tls');
    expect(certificate.spec['usages']).toEqual(['client auth']);
    expect(certificate.spec['issuerRef'].name).toBe('quartet-ca-issuer');
    expect(find('Issuer', 'quartet-ca-issuer').spec['ca'].secretName).toBe(
      find('Certificate', 'quartet-ca').spec['secretName'],
    );
  });
});

describe('Dockerfiles', () => {
  describe.each([...services, gateway])('the Dockerfile of $app', ({ app }) => {
    const stages = dockerfileOf(app);
    const final = stages.at(-1) as Stage;
    const args = (keyword: string) =>
      final.instructions.filter((instruction) => instruction.keyword === keyword).map(({ args }) => args);

    it('installs dependencies in a stage of its own and keeps only their result', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      const install = stages[0]?.instructions.find((instruction) => instruction.keyword === 'RUN');
      expect(install?.args).toMatch(/^npm ci --omit=dev\b/);
      expect(args('RUN').join('\n')).not.toMatch(/npm (ci|install)/);
      expect(args('COPY')).toContainEqual(
        expect.stringMatching(/^--from=\S+ \S*node_modules \S*node_modules$/),
      );
    });

    it('copies the Nx build output of its app and nothing else from the workspace', () => {
      const fromWorkspace = [...stages.flatMap((stage) => stage.instructions)]
        .filter(({ keyword, args }) => keyword === 'COPY' && !args.startsWith('--from='))
        .flatMap(({ args }) => args.split(/\s+/).slice(0, -1));
      expect(fromWorkspace.length).toBeGreaterThan(0);
      for (const source of fromWorkspace) expect(source).toMatch(/^dist\/apps\/[a-z-]+\//);
      expect(fromWorkspace).toContain(`dist/apps/${app}/`);
      expect(readFileSync(join(root, '.dockerignore'), 'utf8')).toMatch(/^!dist\/apps\/$/m);
    });

    it('runs as a non-root user on all interfaces, on its catalogue port, with a small base image', () => {
      expect(args('USER')).toEqual(['node']);
      expect(stageEnv(final)).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production' });
      // The app's default port is the catalogue's, built into its bundle: no second copy here.
      expect(stageEnv(final)).not.toHaveProperty('PORT');
      expect(args('EXPOSE')).toEqual([]);
      expect(args('CMD')).toEqual(['["node", "main.js"]']);
      for (const stage of stages) expect(stage.from).toMatch(/^node:\d+-alpine\b/);
    });

    it('runs the Node release line the workspace builds and tests with', () => {
      const workspace = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      };
      const major = workspace.devDependencies['node']?.split('.')[0];
      for (const stage of stages) expect(stage.from.split(' ')[0]).toBe(`node:${major}-alpine`);
    });
  });
});

describe('compose file', () => {
  const compose = parse(readFileSync(join(__dirname, '..', 'compose.yaml'), 'utf8'), { merge: true });

  it('builds every service from the one service Dockerfile, its app as APP; upload and the gateway from their own', () => {
    const own = ['upload', gateway.app];
    for (const { app } of [...services, gateway]) {
      expect(compose.services[app].build).toEqual(
        own.includes(app)
          ? { context: '..', dockerfile: `apps/${app}/Dockerfile` }
          : { context: '..', dockerfile: 'deploy/service.Dockerfile', args: { APP: app } },
      );
      expect(existsSync(join(root, compose.services[app].build.dockerfile))).toBe(true);
    }
  });

  it('points the gateway at every replica by service name', () => {
    for (const { app, port, targetVariable } of services.filter((service) => service.targetVariable)) {
      expect(compose.services.gateway.environment[targetVariable as string]).toBe(`dns:///${app}:${port}`);
    }
  });

  it('runs three chat replicas sharing their rooms in a Redis that keeps every write on a volume', () => {
    const { chat, redis } = compose.services;
    expect(chat.deploy.replicas).toBe(3);
    expect(chat.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(chat.depends_on).toContain('redis');
    expect(chat.environment.SHUTDOWN_GRACE_MS).toBe(compose.services.greeter.environment.SHUTDOWN_GRACE_MS);
    expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(Object.keys(compose.volumes)).toContain('redis-data');
  });

  it('runs the uploads on a bucket in MinIO, made before they start, with no shared volume', () => {
    const { upload, minio } = compose.services;
    const bucketJob = compose.services['minio-bucket'];
    expect(upload.volumes).toBeUndefined();
    expect(upload.environment.AWS_ENDPOINT_URL_S3).toBe('http://minio:9000');
    expect(upload.environment.S3_FORCE_PATH_STYLE).toBe('true');
    expect(upload.environment.AWS_ACCESS_KEY_ID).toBe(minio.environment.MINIO_ROOT_USER);
    expect(upload.environment.AWS_SECRET_ACCESS_KEY).toBe(minio.environment.MINIO_ROOT_PASSWORD);
    expect(upload.environment.SHUTDOWN_GRACE_MS).toBe(compose.services.greeter.environment.SHUTDOWN_GRACE_MS);
    expect(upload.depends_on['minio-bucket']).toEqual({ condition: 'service_completed_successfully' });
    expect(bucketJob.command.join(' ')).toContain(
      `mc mb --ignore-existing quartet/${upload.environment.UPLOAD_BUCKET}`,
    );
    expect(minio.volumes).toEqual(['minio-data:/data']);
  });

  it('counts the gateway’s limits in the same Redis', () => {
    const { gateway, chat } = compose.services;
    expect(gateway.environment.REDIS_URL).toBe(chat.environment.REDIS_URL);
    expect(gateway.depends_on).toContain('redis');
  });

  it('gives the gateway longer than its settle and grace before Docker kills it', () => {
    const { stop_grace_period: grace, environment } = compose.services.gateway;
    expect(Number(/^(\d+)s$/.exec(grace)?.[1]) * 1_000).toBeGreaterThan(
      Number(environment.SHUTDOWN_SETTLE_MS) + Number(environment.SHUTDOWN_GRACE_MS) + FLUSH_MS,
    );
  });

  it('gives each service longer than its drain before Docker kills it', () => {
    for (const { app } of services) {
      const { stop_grace_period: grace, environment } = compose.services[app];
      expect(Number(/^(\d+)s$/.exec(grace)?.[1]) * 1_000).toBeGreaterThan(
        Number(environment.SHUTDOWN_GRACE_MS) + FLUSH_MS,
      );
    }
  });

  it('passes an OTLP endpoint from the host’s environment to every app, none by default', () => {
    for (const app of [...services.map((service) => service.app), 'gateway']) {
      expect(compose.services[app].environment).toMatchObject({
        OTEL_EXPORTER_OTLP_ENDPOINT: '${OTEL_EXPORTER_OTLP_ENDPOINT:-}',
      });
    }
  });

  it('runs nginx with the rendered proxy config, which is current', () => {
    expect(compose.services.proxy.volumes).toEqual([
      './nginx/grpc-proxy.conf:/etc/nginx/conf.d/default.conf:ro',
    ]);
    expect(compose.services.proxy.ports).toEqual([`${proxy.port}:${proxy.port}`]);
    const committed = readFileSync(join(__dirname, '..', 'nginx', 'grpc-proxy.conf'), 'utf8');
    expect(committed).toBe(renderContainerProxyConfig(false));
  });

  it('balances chat calls like any other in the containers’ proxy, and pins a room to a replica only when asked', () => {
    expect(renderContainerProxyConfig(false)).not.toContain('hash ');
    const inMemory = renderProxyConfig({
      listen: '127.0.0.1:1',
      replicas: Object.fromEntries(services.map(({ app }) => [app, [`${app}:1`]])),
      affinity: true,
    });
    expect(inMemory.match(/hash \S+ consistent;/g)).toEqual(['hash $http_x_chat_room consistent;']);
  });

  it('has a TLS variant of the proxy config, which is current: TLS to clients, mTLS to the replicas', () => {
    const committed = readFileSync(join(__dirname, '..', 'nginx', 'grpc-proxy-tls.conf'), 'utf8');
    expect(committed).toBe(renderContainerProxyConfig(true));
    expect(committed).toMatch(/listen 0\.0\.0\.0:\d+ ssl;/);
    for (const { app } of services) {
      expect(committed).toContain(`grpc_pass grpcs://${app};\n        grpc_ssl_name ${app};`);
    }
    expect(committed).toContain('grpc_ssl_verify on;');
  });
});
