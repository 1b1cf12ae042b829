import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@nx/devkit';

interface Side {
  readonly perSecond: number;
  readonly p99Us: number;
  readonly cpuUsPerUnit: number;
  readonly peakRssMiB: number;
}

/**
 * Not a timed test: the figures of a --quick run mean nothing. It checks that `npm run bench`
 * runs every path on both sides and writes its report.
 */
describe('npm run bench -- --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'quartet-bench-report-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('measures every path next to its anchor and writes results.json, results.md and chart.svg', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(workspaceRoot, 'tools/scripts/run-ts.mjs'), 'tools/bench/bench.mjs', '--quick', `--out=${out}`],
      { cwd: workspaceRoot, timeout: 240_000 },
    );
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      rows: { path: string; quartet: Side; anchor: Side; ratio: number }[];
    };
    expect(report.rows.map((row) => row.path)).toEqual([
      expect.stringMatching(/^unary SayHello \(/),
      expect.stringMatching(/^unary SayHello, tracing on/),
      expect.stringMatching(/^unary SayHello, WORKERS=2/),
      expect.stringMatching(/^GET \/api\/hello via the gateway, signed in/),
      expect.stringMatching(/^GET \/api\/hello via the gateway, against the direct call/),
      expect.stringMatching(/^server stream Watch/),
      expect.stringMatching(/^client stream Upload/),
      expect.stringMatching(/^POST \/api\/uploads via the gateway/),
      expect.stringMatching(/^bidi chat fan-out \(50 members, 10 posts/),
      expect.stringMatching(/^bidi chat fan-out \(50 members, 20 posts/),
      expect.stringMatching(/^bidi chat fan-out \(200 members, 5 posts/),
      expect.stringMatching(/^slow peers: /),
    ]);
    for (const row of report.rows) {
      for (const side of [row.quartet, row.anchor]) {
        expect(side.perSecond).toBeGreaterThan(0);
        expect(side.p99Us).toBeGreaterThan(0);
        expect(side.cpuUsPerUnit).toBeGreaterThan(0);
        expect(side.peakRssMiB).toBeGreaterThan(0);
      }
      expect(row.ratio).toBeGreaterThan(0);
    }
    expect(stdout).toContain('| unary SayHello');
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('| path');
    expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<rect /);
    expect(existsSync(join(out, 'chart.svg'))).toBe(true);
  }, 300_000);
});
