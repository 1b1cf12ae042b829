import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  eventually,
  type PrivateNetwork,
  type ServiceProcess,
  spawnService,
  startPrivateNetwork,
} from '@quartet/grpc-testing';
import { defaultPort } from '@quartet/service-catalogue';
import { TEST_AUTH_SECRET, tokenFor } from './fixture';

// Scale-out as on Kubernetes: the gateway's target is a DNS name with an address per replica
// (a headless Service), every replica listens on the same port at its own address, and a
// replica added while calls flow starts answering once the gateway re-resolves the name.
// That needs addresses other than 127.0.0.1 and a name the test controls, so everything here
// runs in a private network namespace of the test's own, with its own /etc/hosts.

const NAME = 'greeter.quartet.test';
/** Every replica listens on the same port at an address of its own, as pods do. */
const PORT = defaultPort('greeter');
const MAX_CONNECTION_AGE_MS = 3_000;
/**
 * The promise (docs/load-balancing.md): a replica added behind the name answers within
 * MAX_CONNECTION_AGE_MS plus 10 s. Each connection is closed at its age (plus up to 10% jitter);
 * the channel then asks DNS again, at most every 5 s, and connects to the new address.
 */
const PROMISED_MS = MAX_CONNECTION_AGE_MS + 10_000;
const PROBE_CALLS = 3_000;
const PROBE_CALLS_PER_SECOND = 100;

/** Calls `url` at a fixed rate from inside the network, signed in, printing each answer as a JSON line. */
const PROBE = `
const [url, count, perSecond, authorization] = process.argv.slice(1);
const started = Date.now();
(async () => {
  for (let i = 0; i < Number(count); i += 1) {
    const due = started + (i * 1000) / Number(perSecond);
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    fetch(url, { headers: { authorization } }).then(
      async (response) => {
        await response.arrayBuffer();
        console.log(JSON.stringify({ status: response.status, servedBy: response.headers.get('x-served-by') }));
      },
      (error) => console.log(JSON.stringify({ status: 0, servedBy: String(error) })),
    );
  }
})();
`;

interface Answer {
  readonly status: number;
  readonly servedBy: string | null;
}

function greeterAt(network: PrivateNetwork, address: string, id: string): Promise<ServiceProcess> {
  return spawnService('greeter', {
    network,
    env: {
      HOST: address,
      PORT: String(PORT),
      INSTANCE_ID: id,
      MAX_CONNECTION_AGE_MS: String(MAX_CONNECTION_AGE_MS),
    },
  });
}

describe('a replica added behind a DNS name', () => {
  let network: PrivateNetwork;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    network = await startPrivateNetwork({ [NAME]: ['127.0.0.2', '127.0.0.3'] });
  });

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop()));
    await network?.close();
  }, 30_000);

  it(`answers calls through the gateway within ${PROMISED_MS / 1000} s, and no call fails meanwhile`, async () => {
    processes.push(
      await greeterAt(network, '127.0.0.2', 'greeter-1'),
      await greeterAt(network, '127.0.0.3', 'greeter-2'),
    );
    const target = `dns:///${NAME}:${PORT}`;
    const gateway = await spawnService('gateway', {
      network,
      env: {
        GREETER_TARGET: target,
        TICKER_TARGET: target,
        UPLOAD_TARGET: target,
        CHAT_TARGET: target,
        AUTH_SECRET: TEST_AUTH_SECRET,
        RATE_LIMIT_PER_MINUTE: '1000000',
        METRICS_PORT: '0',
        SHUTDOWN_SETTLE_MS: '0',
      },
    });
    processes.push(gateway);

    const [command, args] = network.wrap(process.execPath, [
      '-e',
      PROBE,
      `http://${gateway.address}/api/hello?name=probe`,
      String(PROBE_CALLS),
      String(PROBE_CALLS_PER_SECOND),
      `Bearer ${await tokenFor('probe')}`,
    ]);
    const probe = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const probeExited = new Promise((resolve) => probe.once('exit', resolve));
    const answers: Answer[] = [];
    createInterface({ input: probe.stdout }).on('line', (line) => answers.push(JSON.parse(line) as Answer));
    try {
      await eventually(() => answers.length >= 200, { timeoutMs: 10_000, what: '200 answers' });

      processes.push(await greeterAt(network, '127.0.0.4', 'greeter-3'));
      const added = Date.now();
      network.setHosts({ [NAME]: ['127.0.0.2', '127.0.0.3', '127.0.0.4'] });
      await eventually(() => answers.some((answer) => answer.servedBy === 'greeter-3'), {
        timeoutMs: PROMISED_MS,
        everyMs: 50,
        what: 'an answer from the added replica',
      });
      const waited = Date.now() - added;
      const seen = answers.length;
      await eventually(() => answers.length >= seen + 200, { timeoutMs: 10_000, what: '200 more answers' });

      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      const lastAnswers = answers.slice(-150).map((answer) => answer.servedBy);
      expect(new Set(lastAnswers)).toEqual(new Set(['greeter-1', 'greeter-2', 'greeter-3']));
      expect(waited).toBeLessThanOrEqual(PROMISED_MS);
    } finally {
      probe.kill('SIGKILL');
      await probeExited;
    }
  }, 60_000);
});
