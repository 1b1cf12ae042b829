import { listeningEvent } from './listening';
import { startProcess } from './start-process';

const node = (script: string) => ({ command: process.execPath, args: ['-e', script] });
const LISTENS = `console.log('starting'); console.log(JSON.stringify({ message: { event: 'listening', address: '127.0.0.1:1' } }));`;
const address = (line: string) => listeningEvent(line)?.address;

describe(startProcess.name, () => {
  it('resolves once ready says so, with its value, and stops the process', async () => {
    const seen: string[] = [];
    const started = await startProcess({
      name: 'listener',
      ...node(`${LISTENS} console.log('later'); setInterval(() => {}, 1000);`),
      ready: address,
      onLine: (line) => seen.push(line),
    });
    expect(started.value).toBe('127.0.0.1:1');
    // Lines after the ready one keep coming to onLine.
    for (let waited = 0; seen.length < 3 && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await started.stop()).toBeNull(); // ended by SIGTERM, so no exit code
    expect(started.child.signalCode).toBe('SIGTERM');
    expect(seen).toEqual(['starting', expect.stringContaining('listening'), 'later']);
  });

  it('passes only the environment it is given, PATH added', async () => {
    process.env['QUARTET_LEAK'] = 'yes';
    const started = await startProcess({
      name: 'env',
      ...node(`console.log(JSON.stringify(Object.keys(process.env).sort()))`),
      env: { GIVEN: '1' },
      ready: (line) => JSON.parse(line) as string[],
    });
    delete process.env['QUARTET_LEAK'];
    expect(started.value).toEqual(['GIVEN', 'PATH']);
    await started.exited;
  });

  it('rejects with the end of its stderr when it exits before it is ready', async () => {
    await expect(
      startProcess({
        name: 'crasher',
        ...node(`console.error('no config'); process.exit(3)`),
        ready: address,
      }),
    ).rejects.toThrow('crasher exited with 3 before it was ready: no config');
  });

  it('kills it and rejects when it is not ready in time', async () => {
    const pending = startProcess({
      name: 'sleeper',
      ...node('setInterval(() => {}, 1000)'),
      ready: address,
      startTimeoutMs: 300,
    });
    await expect(pending).rejects.toThrow('sleeper was not ready within 300 ms: it wrote nothing');
  });

  it('rejects when the command cannot run', async () => {
    await expect(
      startProcess({ name: 'missing', command: '/nonexistent/quartet', args: [], ready: address }),
    ).rejects.toThrow('missing could not run (spawn /nonexistent/quartet ENOENT)');
  });
});
