import { workspaceRoot } from '@nx/devkit';
import { eventually, type PrivateNetwork, startPrivateNetwork } from '@quartet/grpc-testing';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { type DocumentedCommand, documentedCommands, promisedAnswer } from './documented-commands';

// Every command the README and docs show is run: the `npm start` variants and the calls
// against them here, for real, in a private network namespace where the documented fixed
// ports are free and nothing else sees them; the others by the test or CI step named below,
// which must contain them. A command added to the docs and run by nothing fails this spec.

const run = promisify(execFile);

/** Documented commands that other tests or CI run, and the text that shows they do. */
const RUN_ELSEWHERE: readonly { match: RegExp; by: string; contains: string }[] = [
  { match: /^npm ci$/, by: '.ci/run', contains: 'npm ci' },
  { match: /^npm test$/, by: '.ci/run', contains: 'npm test' },
  {
    match: /^npx nx g @quartet\/tools:service /,
    by: 'tools/workspace-e2e/src/service-generator.e2e.spec.ts',
    contains: "'@quartet/tools:service'",
  },
  {
    match: /^npx nx test /,
    by: 'tools/workspace-e2e/src/service-generator.e2e.spec.ts',
    contains: "'--targets=lint,typecheck,test'",
  },
  {
    match: /^npx nx serve /,
    by: 'tools/workspace-e2e/src/service-generator.e2e.spec.ts',
    contains: "'serve'",
  },
];

/**
 * Documented commands that cannot run on the machines this suite runs on, and why; the note
 * beside each says which test makes the same calls another way.
 */
const NOT_RUNNABLE_HERE: readonly { match: RegExp; why: string }[] = [
  {
    match: /^grpcurl /,
    why: 'grpcurl is neither in the npm registry nor in Debian 12: the same calls (reflection list, SayHello, Watch, Health/Check) are made with grpc-js by apps/*/src/e2e',
  },
];

const RUN_HERE = /^(curl |node -e |npm start|npm run start:proxy$|npm run bench:balancing$|npm run certs$)/;

describe('the commands the README and docs show', () => {
  const commands = documentedCommands(workspaceRoot);
  const parts = commands.flatMap((entry) =>
    entry.command.split(' && ').map((command) => ({ ...entry, command })),
  );

  it('are each run here, by a named test or CI, or named as not runnable here with the reason', () => {
    const unaccounted = parts.filter(
      ({ command }) =>
        !RUN_HERE.test(command) &&
        !RUN_ELSEWHERE.some(({ match }) => match.test(command)) &&
        !NOT_RUNNABLE_HERE.some(({ match }) => match.test(command)),
    );
    expect(unaccounted).toEqual([]);
    for (const { by, contains } of RUN_ELSEWHERE) {
      expect({ by, runs: readFileSync(join(workspaceRoot, by), 'utf8').includes(contains) }).toEqual({
        by,
        runs: true,
      });
    }
  });

  describe('against `npm start`, in a private network', () => {
    let network: PrivateNetwork;
    let scratch: string;
    let quartet: RunningQuartet;

    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'quartet-docs-'));
      // The upload example sends ./photo.jpg.
      writeFileSync(join(scratch, 'photo.jpg'), Buffer.alloc(48_213, 0xd8));
      network = await startPrivateNetwork();
      quartet = await startQuartet(network, ['start']);
    }, 180_000);

    afterAll(async () => {
      await quartet?.stop();
      await network?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    const calls = parts.filter(({ command }) => /^(curl |node -e )/.test(command));
    it.each(calls.map((call) => [`${call.file}: ${call.command}`, call] as const))(
      '%s',
      async (_name, call: DocumentedCommand) => {
        // curl sends ./photo.jpg from the scratch folder; node needs the workspace's packages.
        const cwd = call.command.startsWith('node ') ? workspaceRoot : scratch;
        const output = await inNetwork(network, call.command, cwd);
        const { status, json } = promisedAnswer(call.comment);
        if (status !== undefined)
          expect(output.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${status}\\b`));
        if (json !== undefined) expect(output).toContain(json);
        expect(output.length).toBeGreaterThan(0);
      },
      30_000,
    );
  });

  it.each([
    [
      'npm start -- --replicas=3',
      ['start', '--', '--replicas=3'],
      /greeter 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/,
    ],
    [
      'npm run start:proxy',
      ['run', 'start:proxy'],
      /The nginx proxy on 127\.0\.0\.1:\d+ balances every service/,
    ],
  ])(
    '%s starts, says so, and serves the page',
    async (command, npmArgs, says) => {
      expect(parts.map((part) => part.command)).toContain(command);
      const network = await startPrivateNetwork();
      try {
        const quartet = await startQuartet(network, npmArgs);
        try {
          await eventually(() => says.test(quartet.output()), { what: `${command} saying it runs` });
          const page = await inNetwork(network, "curl -si 'http://127.0.0.1:3000/'", workspaceRoot);
          expect(page.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
        } finally {
          await quartet.stop();
        }
      } finally {
        await network.close();
      }
    },
    180_000,
  );

  it('npm run certs makes the certificates with which npm start -- --tls runs every hop over mTLS', async () => {
    const documented = parts.map((part) => part.command);
    expect(documented).toEqual(expect.arrayContaining(['npm run certs', 'npm start -- --tls']));
    const network = await startPrivateNetwork();
    try {
      const made = await inNetwork(network, 'npm run certs', workspaceRoot);
      expect(made).toMatch(/ca\.crt/);
      const quartet = await startQuartet(network, ['start', '--', '--tls']);
      try {
        expect(quartet.output()).toMatch(/Every gRPC hop is mTLS/);
        // /readyz asks every service by grpc.health.v1 over mTLS; the hello goes through it too.
        const ready = await inNetwork(network, "curl -si 'http://127.0.0.1:3000/readyz'", workspaceRoot);
        expect(ready.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
        const jar = join(mkdtempSync(join(tmpdir(), 'quartet-tls-')), 'cookies.txt');
        const hello = await inNetwork(
          network,
          `curl -s -c ${jar} -H 'content-type: application/json' -d '{"user":"tls"}' 'http://127.0.0.1:3000/api/session' > /dev/null && curl -s -b ${jar} 'http://127.0.0.1:3000/api/hello?name=tls'`,
          workspaceRoot,
        );
        rmSync(dirname(jar), { recursive: true, force: true });
        expect(hello).toBe('{"message":"Hello tls"}');
      } finally {
        await quartet.stop();
      }
    } finally {
      await network.close();
    }
  }, 240_000);

  it('npm run bench:balancing measures both ways', async () => {
    expect(parts.map((part) => part.command)).toContain('npm run bench:balancing');
    const network = await startPrivateNetwork();
    try {
      const output = await inNetwork(
        network,
        'npm run bench:balancing -- --seconds=1',
        workspaceRoot,
        300_000,
      );
      expect(output).toMatch(/client-side/);
      expect(output).toMatch(/nginx proxy/);
    } finally {
      await network.close();
    }
  }, 320_000);
});

interface RunningQuartet {
  output(): string;
  stop(): Promise<void>;
}

/** Runs `npm <args>` in the network and resolves once it says quartet is running. */
async function startQuartet(network: PrivateNetwork, npmArgs: readonly string[]): Promise<RunningQuartet> {
  const [command, args] = network.wrap('/bin/sh', [
    '-c',
    `cd "$0" && exec npm "$@"`,
    workspaceRoot,
    ...npmArgs,
  ]);
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: process.env,
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm ${npmArgs.join(' ')} did not start within 150 s:\n${output}`)),
      150_000,
    );
    void exited.then(() => reject(new Error(`npm ${npmArgs.join(' ')} exited before it ran:\n${output}`)));
    if (!child.stdout) return reject(new Error('spawned without a stdout pipe'));
    createInterface({ input: child.stdout }).on('line', (line) => {
      output += `${line}\n`;
      if (line.startsWith('quartet is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { output: () => output, stop };
}

/** Runs a shell command inside the network; resolves with its output, rejects when it fails. */
async function inNetwork(
  network: PrivateNetwork,
  command: string,
  cwd: string,
  timeout = 20_000,
): Promise<string> {
  if (!existsSync(cwd)) throw new Error(`${cwd} is missing`);
  const [wrapped, args] = network.wrap('/bin/sh', ['-c', `cd "$0" && ${command}`, cwd]);
  const { stdout } = await run(wrapped, args, { timeout, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}
