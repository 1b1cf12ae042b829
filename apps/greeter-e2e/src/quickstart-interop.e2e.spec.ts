import { workspaceRoot } from '@nx/devkit';
import {
  type PrivateNetwork,
  type ServiceProcess,
  spawnService,
  startPrivateNetwork,
} from '@quartet/grpc-testing';
import { defaultPort } from '@quartet/service-catalogue';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// Debian's python3 with python3-grpcio and python3-grpc-tools (tools/scripts/system-deps.sh).
const PYTHON = '/usr/bin/python3';
const CLIENT = join(__dirname, 'quickstart_client.py');
/** The fixed address the quickstart's client dials, read from the client itself. */
const QUICKSTART_PORT = Number(
  /insecure_channel\("localhost:(\d+)"\)/.exec(readFileSync(CLIENT, 'utf8'))?.[1],
);

describe('greeter with a stock client of another gRPC implementation (Python grpcio)', () => {
  let network: PrivateNetwork;
  let greeter: ServiceProcess;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'quartet-quickstart-'));
    // The stubs are generated the way the quickstart generates them, from our proto file.
    await run(PYTHON, [
      '-m',
      'grpc_tools.protoc',
      `-I${join(workspaceRoot, 'proto/helloworld')}`,
      `--python_out=${scratch}`,
      `--grpc_python_out=${scratch}`,
      'helloworld.proto',
    ]);
    copyFileSync(CLIENT, join(scratch, 'quickstart_client.py'));
    // The quickstart client dials a fixed address, so the greeter listens there, in a network
    // namespace of its own where that port is free and nothing else sees it.
    network = await startPrivateNetwork();
    greeter = await spawnService('greeter', { network, env: { PORT: String(QUICKSTART_PORT) } });
  });

  afterAll(async () => {
    await greeter?.stop();
    await network?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('listens by default where the quickstart client dials', () => {
    expect(defaultPort('greeter')).toBe(QUICKSTART_PORT);
  });

  it('answers the quickstart client, which prints the greeting', async () => {
    const [command, args] = network.wrap(PYTHON, [join(scratch, 'quickstart_client.py')]);
    const { stdout } = await run(command, args, { cwd: scratch, timeout: 20_000 });
    expect(stdout.trim()).toBe('Greeter client received: Hello you');
  });
});
