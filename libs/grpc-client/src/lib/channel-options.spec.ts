import { credentials } from '@grpc/grpc-js';
import { GreeterDefinition, grpcClientConstructor } from '@quartet/proto';
import { type Replica, replica, sayHelloOnce } from './greeter-replica.spec-helper';
import { clientChannelOptions } from './channel-options';
import { parseTarget } from './target';

const Greeter = grpcClientConstructor(GreeterDefinition);

function client(replicas: readonly Replica[], idempotent: boolean) {
  const parsed = parseTarget('GREETER_TARGET', replicas.map((r) => r.address).join(','));
  if (!('target' in parsed)) throw new Error(parsed.error);
  return new Greeter(
    parsed.target,
    credentials.createInsecure(),
    clientChannelOptions({ idempotentServices: idempotent ? ['helloworld.Greeter'] : [] }),
  );
}

/** Makes `count` calls one after another; resolves with who answered each, or the failure code. */
async function callMany(greeter: InstanceType<typeof Greeter>, count: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < count; i += 1) {
    answers.push(await sayHelloOnce(greeter, `n${i}`));
  }
  return answers;
}

const tally = (answers: string[]) =>
  answers.reduce<Record<string, number>>(
    (counts, answer) => ({ ...counts, [answer]: (counts[answer] ?? 0) + 1 }),
    {},
  );

describe(clientChannelOptions.name, () => {
  const replicas: Replica[] = [];
  afterEach(() => {
    for (const { server } of replicas.splice(0)) server.forceShutdown();
  });

  it('spreads calls over every replica of the target by round robin', async () => {
    replicas.push(await replica('a'), await replica('b'), await replica('c'));
    const greeter = client(replicas, true);
    const counts = tally(await callMany(greeter, 300));
    greeter.close();
    expect(Object.keys(counts).sort()).toEqual(['a', 'b', 'c']);
    for (const served of Object.values(counts)) {
      expect(served).toBeGreaterThanOrEqual(80);
      expect(served).toBeLessThanOrEqual(120);
    }
  });

  it('skips a replica that has gone away', async () => {
    replicas.push(await replica('a'), await replica('b'), await replica('c'));
    const greeter = client(replicas, true);
    await callMany(greeter, 30);
    replicas[1]?.server.forceShutdown();
    const counts = tally(await callMany(greeter, 100));
    greeter.close();
    expect(Object.keys(counts).sort()).toEqual(['a', 'c']);
  });

  it('retries a call that a replica answers UNAVAILABLE, so the caller never sees it', async () => {
    replicas.push(await replica('healthy'), await replica('flaky', () => true));
    const greeter = client(replicas, true);
    const counts = tally(await callMany(greeter, 40));
    greeter.close();
    expect(counts).toEqual({ healthy: 40 });
  }, 30_000);

  it('does not retry methods of services not named idempotent', async () => {
    replicas.push(await replica('healthy'), await replica('flaky', () => true));
    const greeter = client(replicas, false);
    const counts = tally(await callMany(greeter, 100));
    greeter.close();
    expect(counts['failed:UNAVAILABLE']).toBeGreaterThan(30);
  });

  it('reaches replicas through a dns:/// target', async () => {
    replicas.push(await replica('named'));
    const port = replicas[0]?.address.split(':')[1];
    const greeter = new Greeter(
      `dns:///localhost:${port}`,
      credentials.createInsecure(),
      clientChannelOptions(),
    );
    const counts = tally(await callMany(greeter, 10));
    greeter.close();
    expect(counts).toEqual({ named: 10 });
  });
});
