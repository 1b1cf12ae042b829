import { credentials } from '@grpc/grpc-js';
import { GreeterDefinition, grpcClientConstructor } from '@quartet/proto';
import { clientChannelOptions, OUTLIER_DETECTION } from './channel-options';
import { type Replica, replica, sayHelloOnce } from './greeter-replica.spec-helper';
import { healthAwareTarget } from './health-aware-resolver';

// A replica that is up but NOT_SERVING, and one that fails every call, each among healthy
// ones: bare grpc-js greeters on loopback, called through the channel the gateway builds.

const Greeter = grpcClientConstructor(GreeterDefinition);
const CALLS_PER_SECOND = 100;

/** Calls at a steady pace until `until` resolves; resolves with every answer (who, or the failure). */
async function callSteadily(
  greeter: InstanceType<typeof Greeter>,
  until: Promise<unknown>,
): Promise<string[]> {
  let done = false;
  void until.finally(() => (done = true));
  const answers: Promise<string>[] = [];
  for (let i = 0; !done && i < 60 * CALLS_PER_SECOND; i += 1) {
    answers.push(sayHelloOnce(greeter, `n${i}`));
    await new Promise((resolve) => setTimeout(resolve, 1_000 / CALLS_PER_SECOND));
  }
  return Promise.all(answers);
}

/** Resolves once `condition` has held for a whole `forMs` (checked every 50 ms), rejecting after `timeoutMs`. */
async function holds(
  condition: () => boolean,
  forMs: number,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  let since: number | undefined;
  while (Date.now() - started < timeoutMs) {
    if (!condition()) since = undefined;
    else if (since === undefined) since = Date.now();
    else if (Date.now() - since >= forMs) return since - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not hold for ${forMs} ms within ${timeoutMs} ms`);
}

/** Resolves once `replica` has taken calls again, and how long that took. */
async function takesCallsAgain(sick: Replica, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const before = sick.calls();
  while (sick.calls() === before) {
    if (Date.now() - started > timeoutMs) throw new Error(`${sick.id} took no call within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

/** True while `replica` takes no new call (checked between calls to this). */
function quiet(sick: Replica): () => boolean {
  let last = sick.calls();
  return () => {
    const now = sick.calls();
    const still = now === last;
    last = now;
    return still;
  };
}

describe('calls and sick replicas', () => {
  const replicas: Replica[] = [];
  const clients: { close(): void }[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    for (const { server } of replicas.splice(0)) server.forceShutdown();
  });

  it('stops sending calls to a replica that reports NOT_SERVING within a second, and sends them again once it is SERVING', async () => {
    replicas.push(await replica('a'), await replica('b'), await replica('sick'));
    const [, , sick] = replicas as [Replica, Replica, Replica];
    const changes: string[] = [];
    const target = healthAwareTarget(`ipv4:${replicas.map((r) => r.address).join(',')}`, {
      service: 'helloworld.Greeter',
      credentials: credentials.createInsecure(),
      onChange: (address, health) => address === sick.address && changes.push(health),
    });
    const greeter = new Greeter(target, credentials.createInsecure(), clientChannelOptions());
    clients.push(greeter);

    const scenario = (async () => {
      await takesCallsAgain(sick, 5_000);
      await holds(() => changes.includes('SERVING'), 0, 5_000, 'the first health answer');
      sick.setHealth('NOT_SERVING');
      const outAfterMs = await holds(quiet(sick), 1_500, 5_000, 'no call to the NOT_SERVING replica');
      sick.setHealth('SERVING');
      const backAfterMs = await takesCallsAgain(sick, 5_000);
      return { outAfterMs, backAfterMs };
    })();
    const answers = await callSteadily(greeter, scenario);
    const { outAfterMs, backAfterMs } = await scenario;
    console.info(
      `grpc-client: a NOT_SERVING replica is out after ${outAfterMs} ms, back ${backAfterMs} ms after SERVING`,
    );
    expect(outAfterMs).toBeLessThan(1_000);
    expect(backAfterMs).toBeLessThan(1_000);
    expect(answers.filter((answer) => answer.startsWith('failed'))).toEqual([]);
    expect(changes).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
  }, 30_000);

  it('keeps every replica when all of them report NOT_SERVING, rather than refuse every call', async () => {
    replicas.push(await replica('a'), await replica('b'));
    for (const each of replicas) each.setHealth('NOT_SERVING');
    const target = healthAwareTarget(`ipv4:${replicas.map((r) => r.address).join(',')}`, {
      service: 'helloworld.Greeter',
      credentials: credentials.createInsecure(),
    });
    const greeter = new Greeter(target, credentials.createInsecure(), clientChannelOptions());
    clients.push(greeter);
    const answers = await callSteadily(greeter, new Promise((resolve) => setTimeout(resolve, 1_000)));
    expect(answers.filter((answer) => answer.startsWith('failed'))).toEqual([]);
  });

  it('ejects a replica that fails every call, losing no retryable call, and takes it back once it recovers', async () => {
    let failing = true;
    replicas.push(await replica('a'), await replica('b'), await replica('sick', () => failing));
    const [, , sick] = replicas as [Replica, Replica, Replica];
    const greeter = new Greeter(
      `ipv4:${replicas.map((r) => r.address).join(',')}`,
      credentials.createInsecure(),
      clientChannelOptions({ idempotentServices: ['helloworld.Greeter'] }),
    );
    clients.push(greeter);

    const intervalMs = OUTLIER_DETECTION.interval.seconds * 1_000;
    const ejectionMs = OUTLIER_DETECTION.base_ejection_time.seconds * 1_000;
    const scenario = (async () => {
      const outAfterMs = await holds(quiet(sick), 1_000, 10_000, 'no call to the failing replica');
      failing = false;
      const backAfterMs = await takesCallsAgain(sick, ejectionMs + 3 * intervalMs);
      return { outAfterMs, backAfterMs };
    })();
    const answers = await callSteadily(greeter, scenario);
    const { outAfterMs, backAfterMs } = await scenario;
    console.info(
      `grpc-client: a replica failing every call is ejected after ${outAfterMs} ms, back ${backAfterMs} ms after it recovered`,
    );
    // Ejected at the first interval that has seen its request volume of failures.
    expect(outAfterMs).toBeLessThan(3 * intervalMs);
    // UNAVAILABLE is retried on another replica: no call of an idempotent service fails.
    expect(answers.filter((answer) => answer.startsWith('failed'))).toEqual([]);
    expect(answers.filter((answer) => answer === 'sick').length).toBeGreaterThan(0);
  }, 40_000);
});
