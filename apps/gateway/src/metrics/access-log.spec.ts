import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { workspaceRoot } from '@nx/devkit';
import { processLogger } from '@quartet/grpc-server';
import { AccessLog, type AccessEntry } from './access-log';

const entry: AccessEntry = {
  method: 'GET',
  route: '/api/hello',
  status: 200,
  durationMs: 1.5,
  bytes: 321,
  trace: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
};

describe(AccessLog.name, () => {
  it('writes the JSON line the process logger writes for the same entry', () => {
    const lines: string[] = [];
    const settings = { logFormat: 'json', logLevel: 'log' } as const;
    const logger = processLogger(settings);
    new AccessLog(settings, logger, { write: (line) => lines.push(line) }).write(entry);
    const written = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { trace, durationMs, ...rest } = entry;
      logger.log({ event: 'http-request', ...rest, duration_ms: durationMs, ...trace }, 'access');
      const fromLogger = JSON.parse(String(written.mock.calls[0]?.[0]));
      expect(lines).toHaveLength(1);
      expect(lines[0]?.endsWith('\n')).toBe(true);
      expect(JSON.parse(lines[0] ?? '')).toEqual({ ...fromLogger, timestamp: expect.any(Number) });
      expect(Object.keys(JSON.parse(lines[0] ?? ''))).toEqual(Object.keys(fromLogger));
    } finally {
      written.mockRestore();
    }
  });

  it('writes nothing when LOG_LEVEL leaves out log lines, and hands text lines to the logger', () => {
    const destination = { write: jest.fn() };
    const quiet = new AccessLog(
      { logFormat: 'json', logLevel: 'warn' },
      processLogger({ logFormat: 'json', logLevel: 'warn' }),
      destination,
    );
    expect(quiet.enabled).toBe(false);
    const logger = { log: jest.fn() } as unknown as LoggerService;
    new AccessLog({ logFormat: 'text', logLevel: 'log' }, logger, destination).write(entry);
    expect(destination.write).not.toHaveBeenCalled();
    expect(logger.log).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'http-request', status: 200 }),
      'access',
    );
  });

  it('through a pipe, keeps every line whole, in order, beside the logger’s own, and writes them all', async () => {
    const count = 20_000;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(workspaceRoot, 'tools/scripts/run-ts.mjs'),
        join(__dirname, 'fixtures/write-access-lines.mts'),
        String(count),
      ],
      { cwd: workspaceRoot, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
    );
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { context: string; message: { duration_ms?: number } });
    const access = lines.filter((line) => line.context === 'access');
    expect(access).toHaveLength(count);
    expect(access.map((line) => line.message.duration_ms)).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
    expect(lines.filter((line) => line.context === 'Test')).toHaveLength(count);
  }, 90_000);
});
