import { signGuestToken } from '@quartet/auth';
import { type ServiceProcess, spawnService } from '@quartet/grpc-testing';
import { gatewayBackends, targetVariable } from '@quartet/service-catalogue';

/** The services the gateway calls, by app name: greeter, ticker, upload, chat and any generated since. */
export type Backend = string;
export const BACKENDS = gatewayBackends();

/** What a backend the test did not start is called at: nothing listens, so its calls fail fast. */
const NOWHERE = '127.0.0.1:9';

/** The key the test gateway signs guest sessions with, so that tests can mint their own. */
export const TEST_AUTH_SECRET = 'gateway-e2e: the key the test gateway signs guest sessions with';

/** The built gateway, running as its own process. */
export interface TestGateway {
  readonly process: ServiceProcess;
  /** `http://127.0.0.1:<port>` as bound. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/metrics` on the metrics listener, apart from the API's port. */
  readonly metricsUrl: string;
  /** `Authorization: Bearer` of a guest session of `user` ('tester' unless named). */
  signedIn(user?: string): Promise<{ authorization: string }>;
  /** fetch() of a path on the gateway, signed in as `user`. */
  fetch(path: string, init?: RequestInit, user?: string): Promise<Response>;
  stop(): Promise<void>;
}

/** A guest session token the test gateway accepts, as POST /api/session would make it. */
export async function tokenFor(user: string, ttlSeconds = 3600): Promise<string> {
  return (await signGuestToken(new TextEncoder().encode(TEST_AUTH_SECRET), user, ttlSeconds)).token;
}

/**
 * Starts the built gateway on an ephemeral loopback port, calling the given backends; `env`
 * sets any other of its variables (STREAM_DEADLINE_MS, ...). Unary calls get 2 s, not 5 s,
 * so that a test of a backend that is down fails fast; rates are not limited unless a test
 * sets them, since tests make many calls as one user.
 */
export async function startTestGateway(
  targets: Partial<Record<Backend, string>>,
  env: Record<string, string> = {},
): Promise<TestGateway> {
  const process = await spawnService('gateway', {
    env: {
      DEADLINE_MS: '2000',
      AUTH_SECRET: TEST_AUTH_SECRET,
      RATE_LIMIT_PER_MINUTE: '1000000',
      SESSIONS_PER_MINUTE: '1000000',
      METRICS_PORT: '0',
      // Nothing in front of a test gateway needs time to take it out: stop at once.
      SHUTDOWN_SETTLE_MS: '0',
      ...Object.fromEntries(
        BACKENDS.map((backend) => [targetVariable(backend), targets[backend] ?? NOWHERE]),
      ),
      ...env,
    },
  });
  const url = `http://${process.address}`;
  const { metricsAddress } = process.listening as { metricsAddress: string };
  const signedIn = async (user = 'tester') => ({ authorization: `Bearer ${await tokenFor(user)}` });
  return {
    process,
    url,
    metricsUrl: `http://${metricsAddress}/metrics`,
    signedIn,
    fetch: async (path, init = {}, user) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { ...(await signedIn(user)), ...(init.headers as object) },
      }),
    stop: async () => void (await process.stop()),
  };
}

/** Spawns each built backend on an ephemeral loopback port, with its own environment. */
export async function spawnBackends(
  env: Partial<Record<Backend, Record<string, string>>> = {},
): Promise<Record<Backend, ServiceProcess>> {
  const services: Record<Backend, ServiceProcess> = {};
  for (const backend of BACKENDS) {
    services[backend] = await spawnService(backend, {
      env: { INSTANCE_ID: `${backend}-1`, ...env[backend] },
    });
  }
  return services;
}

export function addressesOf(services: Record<Backend, ServiceProcess>): Record<Backend, string> {
  return Object.fromEntries(BACKENDS.map((backend) => [backend, services[backend]?.address ?? NOWHERE]));
}

export async function stopAll(services: Partial<Record<Backend, ServiceProcess>>): Promise<void> {
  await Promise.all(Object.values(services).map((service) => service?.stop()));
}

/** The built backends and a test gateway in front of them: what most of these specs run against. */
export interface GatewayStack {
  readonly services: Record<Backend, ServiceProcess>;
  readonly gateway: TestGateway;
  /** Another gateway in front of the same backends, with its own variables; the caller stops it. */
  anotherGateway(env: Record<string, string>): Promise<TestGateway>;
  /** Stops the first gateway, then the backends. */
  stop(): Promise<void>;
}

/** Spawns the backends with their variables, then a gateway in front of them with its own. */
export async function startGatewayStack(
  backendEnv: Partial<Record<Backend, Record<string, string>>> = {},
  gatewayEnv: Record<string, string> = {},
): Promise<GatewayStack> {
  const services = await spawnBackends(backendEnv);
  try {
    const gateway = await startTestGateway(addressesOf(services), gatewayEnv);
    const stop = async () => {
      await gateway.stop();
      await stopAll(services);
    };
    const anotherGateway = (env: Record<string, string>) => startTestGateway(addressesOf(services), env);
    return { services, gateway, anotherGateway, stop };
  } catch (error) {
    await stopAll(services);
    throw error;
  }
}

/** The value of one sample in Prometheus text, or 0 when the series does not exist yet. */
export function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
