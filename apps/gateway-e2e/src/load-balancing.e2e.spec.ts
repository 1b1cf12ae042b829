import { type ServiceProcess, spawnReplicas, tally } from '@quartet/grpc-testing';
import { startTestGateway, type TestGateway } from './fixture';

// Client-side load balancing, seen from the gateway's HTTP side: three built greeter replicas,
// one gateway channel balancing over them by round robin, and replicas that go away mid-run.

const CALLS = 2_000;
const CALLS_PER_SECOND = 200;

interface Answer {
  readonly status: number;
  readonly servedBy: string;
}

/** A gateway whose greeter target lists every replica; only /api/hello is called here. */
function gatewayOver(replicas: readonly ServiceProcess[]): Promise<TestGateway> {
  return startTestGateway({ greeter: `ipv4:${replicas.map((replica) => replica.address).join(',')}` });
}

async function hello(gateway: TestGateway, name: string): Promise<Answer> {
  const response = await gateway.fetch(`/api/hello?name=${name}`);
  await response.arrayBuffer();
  return { status: response.status, servedBy: response.headers.get('x-served-by') ?? '-' };
}

/**
 * Starts `CALLS` calls at a fixed rate, whether or not earlier ones have answered, and runs
 * `disrupt` once a third of them have started; resolves with every answer.
 */
async function callsAtFixedRate(gateway: TestGateway, disrupt: () => void): Promise<Answer[]> {
  const calls: Promise<Answer>[] = [];
  const started = Date.now();
  for (let i = 0; i < CALLS; i += 1) {
    const due = started + (i * 1_000) / CALLS_PER_SECOND;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    if (i === Math.floor(CALLS / 3)) disrupt();
    calls.push(hello(gateway, `call${i}`).catch((error: Error) => ({ status: 0, servedBy: error.message })));
  }
  return Promise.all(calls);
}

const servedBy = (answers: readonly Answer[]) => answers.map((answer) => answer.servedBy);

describe('client-side load balancing in the gateway', () => {
  let replicas: ServiceProcess[] = [];
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    replicas = await spawnReplicas('greeter', 3);
    gateway = await gatewayOver(replicas);
  }, 30_000);

  afterEach(async () => {
    await gateway?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
  }, 30_000);

  it('spreads 300 calls over three replicas, each answering 80 to 120', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 300; i += 1) answers.push(await hello(gateway as TestGateway, `n${i}`));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const counts = tally(servedBy(answers));
    expect(Object.keys(counts).sort()).toEqual(['greeter-1', 'greeter-2', 'greeter-3']);
    for (const answered of Object.values(counts)) {
      expect(answered).toBeGreaterThanOrEqual(80);
      expect(answered).toBeLessThanOrEqual(120);
    }
  }, 30_000);

  it(`fails no call of ${CALLS} when a replica is killed with SIGKILL mid-run`, async () => {
    const killed = replicas[1] as ServiceProcess;
    const answers = await callsAtFixedRate(gateway as TestGateway, () => killed.child.kill('SIGKILL'));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(await killed.exited).toBeNull();
    const counts = tally(servedBy(answers));
    // The killed replica answered until it died; the other two took over the rest.
    expect(counts['greeter-2']).toBeGreaterThan(0);
    expect((counts['greeter-1'] ?? 0) + (counts['greeter-3'] ?? 0)).toBeGreaterThan((CALLS * 2) / 3);
  }, 60_000);

  it(`fails no call of ${CALLS} when a replica is stopped with SIGTERM mid-run, and it exits 0`, async () => {
    const stopped = replicas[1] as ServiceProcess;
    const answers = await callsAtFixedRate(gateway as TestGateway, () => stopped.child.kill('SIGTERM'));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(await stopped.exited).toBe(0);
    expect(stopped.logs.map((entry) => (entry['message'] as { phase?: string }).phase)).toContain('stopped');
    expect(tally(servedBy(answers))['greeter-2']).toBeGreaterThan(0);
  }, 60_000);
});
