// h2load (nghttp2-client) as the load generator for unary calls and plain HTTP requests: a
// C client that keeps many streams in flight at little cost of its own. Its per-request log
// becomes an hdr histogram of latencies in microseconds.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './processes.mjs';

const require = createRequire(fileURLToPath(import.meta.url));
const hdr = require('hdr-histogram-js');

/**
 * Runs h2load against `url` for `seconds` and resolves with the requests that got a 2xx,
 * the others, and their latencies. `body` makes it a POST of those bytes (a gRPC frame).
 * @param {{ url: string, seconds: number, clients: number, streams: number, headers?: Record<string, string>,
 *   body?: Uint8Array, h1?: boolean, core?: number }} options
 */
export async function h2load({ url, seconds, clients, streams, headers = {}, body, h1 = false, core }) {
  const dir = mkdtempSync(join(tmpdir(), 'quartet-h2load-'));
  try {
    const log = join(dir, 'requests.log');
    const args = [
      `--duration=${seconds}`,
      '--warm-up-time=1',
      `--clients=${clients}`,
      `--max-concurrent-streams=${streams}`,
      `--log-file=${log}`,
      ...(h1 ? ['--h1'] : []),
      ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    ];
    if (body) {
      writeFileSync(join(dir, 'body'), body);
      args.push(`--data=${join(dir, 'body')}`);
    }
    const [command, argv] = pinnedCommand(core, 'h2load', [...args, url]);
    const output = await new Promise((resolve, reject) => {
      const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('error', (error) =>
        reject(
          new Error(`h2load could not run (tools/scripts/system-deps.sh installs it): ${error.message}`),
        ),
      );
      child.on('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`h2load exited with ${code}: ${text}`)),
      );
    });
    const latencies = hdr.build();
    let ok = 0;
    let failed = 0;
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const [, status, micros] = line.split('\t');
      if (status === undefined) continue;
      if (status.startsWith('2')) {
        ok += 1;
        latencies.recordValue(Math.max(1, Number(micros)));
      } else failed += 1;
    }
    const measured = /finished in ([\d.]+)(m?s)/.exec(output);
    const elapsedSeconds = measured ? Number(measured[1]) / (measured[2] === 'ms' ? 1_000 : 1) : seconds;
    return {
      done: ok,
      failed,
      elapsedSeconds,
      histogram: hdr.encodeIntoCompressedBase64(latencies),
      unit: 'calls',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
