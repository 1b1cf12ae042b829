import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@nx/devkit';

interface SoakReport {
  readonly scaled: boolean;
  readonly counts: Record<string, number>;
  readonly kills: { app: string; signal: string; backAfterMs: number }[];
  readonly rows: { app: string; restarted: boolean }[];
  readonly failures: string[];
}

/**
 * The short form of `npm run soak -- --scaled`: chat on Redis, two gateways, a chat replica
 * SIGKILLed and started again halfway. It fails on any failed call but the rounds the kill
 * cut (rejoined, at most one per chat loop); memory is judged only by the long form.
 */
describe('npm run soak -- --scaled, short', () => {
  const out = mkdtempSync(join(tmpdir(), 'quartet-soak-report-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('serves all four styles through two gateways while a chat replica is killed and restarted, failing no call', async () => {
    const report = join(out, 'soak.json');
    const run = promisify(execFile)(
      process.execPath,
      [
        join(workspaceRoot, 'tools/scripts/run-ts.mjs'),
        'tools/soak/soak.mjs',
        '--scaled',
        '--seconds=20',
        `--report=${report}`,
      ],
      { cwd: workspaceRoot, timeout: 150_000 },
    );
    const { stdout } = await run.catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the soak failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    const result = JSON.parse(readFileSync(report, 'utf8')) as SoakReport;
    expect(result.failures).toEqual([]);
    expect(result.kills).toEqual([{ app: 'chat-1', signal: 'SIGKILL', backAfterMs: expect.any(Number) }]);
    expect(result.rows.map((row) => row.app).sort()).toEqual(
      ['chat-1', 'chat-2', 'gateway-1', 'gateway-2', 'greeter', 'ticker', 'upload'].sort(),
    );
    expect(result.rows.find((row) => row.app === 'chat-1')?.restarted).toBe(true);
    for (const count of ['hello', 'ticks', 'uploads', 'chats'])
      expect(result.counts[count]).toBeGreaterThan(0);
    expect(stdout).toContain('soak passed');
  }, 180_000);
});
