import { Metadata } from '@grpc/grpc-js';
import { connect, eventually, type ServiceProcess, spawnService } from '@quartet/grpc-testing';
import { GreeterDefinition, SERVED_BY_HEADER } from '@quartet/proto';

/** Who answered one SayHello on a connection of its own (the cluster spreads connections, not calls). */
async function servedBy(address: string): Promise<string> {
  const client = connect(GreeterDefinition, address);
  try {
    return await new Promise((resolve, reject) => {
      const call = client.sayHello({ name: 'worker' }, new Metadata(), {}, (error) => error && reject(error));
      call.on('metadata', (headers: Metadata) => resolve(String(headers.get(SERVED_BY_HEADER)[0])));
    });
  } finally {
    client.close();
  }
}

const listening = (greeter: ServiceProcess) => greeter.logged('listening');

describe('the greeter with WORKERS=2', () => {
  let greeter: ServiceProcess;

  beforeAll(async () => {
    greeter = await spawnService('greeter', {
      env: { WORKERS: '2', INSTANCE_ID: 'greeter-1', METRICS_PORT: '0' },
    });
    await eventually(() => listening(greeter).length === 2, { what: 'both workers listening' });
  });

  afterAll(async () => {
    await greeter?.stop('SIGKILL');
  });

  it('serves one port from both workers, each naming itself in x-served-by', async () => {
    const seen = new Set<string>();
    await eventually(
      async () => {
        seen.add(await servedBy(greeter.address));
        return seen.size === 2;
      },
      { what: 'answers from both workers' },
    );
    expect([...seen].sort()).toEqual([
      expect.stringMatching(/^greeter-1\.w\d+$/),
      expect.stringMatching(/^greeter-1\.w\d+$/),
    ]);
  });

  it('serves GET /metrics from the primary, with every worker’s calls added up', async () => {
    const primary = greeter.logged('workers')[0];
    const { metricsAddress } = primary?.['message'] as { metricsAddress: string };
    const started = async () => {
      const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('grpc_server_started_total{') && l.includes('grpc_method="SayHello"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await started();
    const answeredBy = new Set<string>();
    let calls = 0;
    await eventually(
      async () => {
        answeredBy.add(await servedBy(greeter.address));
        calls += 1;
        return answeredBy.size === 2;
      },
      { what: 'calls answered by both workers' },
    );
    expect(await started()).toBe(before + calls);
  });

  it('replaces a worker that dies, and drains every worker and exits 0 on SIGTERM', async () => {
    const pids = listening(greeter).map((entry) => Number(entry['pid']));
    process.kill(pids[0] as number, 'SIGKILL');
    await eventually(() => listening(greeter).length === 3, { what: 'a new worker listening' });
    expect(greeter.logged('worker-exited')).not.toHaveLength(0);
    expect(await servedBy(greeter.address)).toMatch(/^greeter-1\.w\d+$/);
    expect(await greeter.stop('SIGTERM')).toBe(0);
  });
});
