import { execFile } from 'node:child_process';
import { constants } from 'node:http2';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { status } from '@grpc/grpc-js';
import { workspaceRoot } from '@nx/devkit';
import { grpcFrame, grpcRequestHeaders, gzipBomb, rawCall, rawSession } from '@quartet/grpc-testing';
import { type ServiceUnderAttack, servicesOf } from './support/honest-grpc';
import { SHORT_LIMITS, type Stack, startStack } from './support/stack';
import { rssBoundMb, underAttack } from './support/under-attack';
import { unexpectedErrorsOf } from './support/unexpected-errors';

const execFileAsync = promisify(execFile);

/**
 * Raw HTTP/2 against each service, as a hostile client that ignores gRPC's rules would
 * send it; meanwhile an honest grpc-js client of the same service must be served.
 */
describe('hostile HTTP/2 and gRPC framing against each service', () => {
  let stack: Stack;
  let services: ServiceUnderAttack[];

  beforeAll(async () => {
    stack = await startStack();
    services = servicesOf(stack);
  }, 60_000);

  afterAll(async () => {
    for (const service of services ?? []) service.close();
    await stack?.stop();
  });

  const processOf = (service: ServiceUnderAttack) => stack[service.name];

  /** Runs one attack against `service` with an honest client beside it, and checks both. */
  const attack = async <T>(service: ServiceUnderAttack, name: string, run: () => Promise<T>) => {
    const figures = await underAttack(
      `${service.name}: ${name}`,
      processOf(service).child.pid as number,
      run,
      () => service.honestCall(),
    );
    expect(figures.honestFailures).toEqual([]);
    expect(figures.honestCalls).toBeGreaterThan(0);
    expect(figures.peakRssMb).toBeLessThan(rssBoundMb(service.name));
    expect(processOf(service).child.exitCode).toBeNull();
    return figures.answer;
  };

  describe.each(['greeter', 'ticker', 'upload', 'chat'] as const)('%s', (name) => {
    const service = () => services.find((candidate) => candidate.name === name) as ServiceUnderAttack;

    afterAll(() => expect(unexpectedErrorsOf(stack[name])).toEqual([]));

    it('ends a message whose prefix declares more than is sent once CALL_IDLE_MS passes, and resets its stream', async () => {
      const answer = await attack(service(), 'declared length larger than sent', async () => {
        const session = rawSession(stack[name].address);
        try {
          const { validRequest } = service();
          const frame = grpcFrame(validRequest.subarray(0, 2), {
            declaredLength: validRequest.length + 1_000,
          });
          const { stream, outcome } = rawCall(session, service().path, frame, { halfClose: false });
          const closed = new Promise<void>((resolve) => stream.once('close', resolve));
          const answered = await outcome;
          // The client never half-closes: the server must not leave the stream open after its answer.
          const reset = await Promise.race([
            closed.then(() => stream.rstCode),
            sleep(5_000).then(() => 'open'),
          ]);
          return { ...answered, reset };
        } finally {
          session.destroy();
        }
      });
      expect(answer).toEqual({
        grpcStatus: status.DEADLINE_EXCEEDED,
        grpcMessage: `no whole request message arrived within ${SHORT_LIMITS.CALL_IDLE_MS} ms`,
        reset: constants.NGHTTP2_NO_ERROR,
      });
    }, 20_000);

    it('stops inflating a gzip bomb at the message limit', async () => {
      // Built before the attack: compressing 50 MiB here would stall the honest client's timing too.
      const bomb = gzipBomb(50 * 1024 * 1024);
      const answer = await attack(service(), 'gzip bomb (50 MiB of zeros in ~50 KiB)', () => {
        const session = rawSession(stack[name].address);
        return rawCall(session, service().path, bomb, {
          extraHeaders: { 'grpc-encoding': 'gzip' },
        }).outcome.finally(() => session.destroy());
      });
      expect(answer).toEqual({
        grpcStatus: status.RESOURCE_EXHAUSTED,
        grpcMessage: expect.stringMatching(/^Received message that decompresses to a size larger than \d+$/),
      });
    }, 20_000);

    it('answers random bytes as a message with INTERNAL, not a crash', async () => {
      const answer = await attack(service(), 'random bytes as the message', () => {
        const session = rawSession(stack[name].address);
        const garbage = grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x99, 0x42]));
        return rawCall(session, service().path, garbage).outcome.finally(() => session.destroy());
      });
      expect(answer).toEqual({ grpcStatus: status.INTERNAL, grpcMessage: 'Error deserializing request' });
    }, 20_000);

    it('refuses metadata over MAX_METADATA_BYTES with RESOURCE_EXHAUSTED, saying the size', async () => {
      const answer = await attack(service(), 'metadata over 8 KiB', () => {
        const session = rawSession(stack[name].address);
        return rawCall(session, service().path, grpcFrame(service().validRequest), {
          extraHeaders: { 'x-padding': 'p'.repeat(10_000) },
        }).outcome.finally(() => session.destroy());
      });
      expect(answer).toEqual({
        grpcStatus: status.RESOURCE_EXHAUSTED,
        grpcMessage: expect.stringMatching(/^the request metadata is 100\d\d bytes; the limit is 8192$/),
      });
    }, 20_000);

    it('refuses a header block past HTTP/2 limits (100 KiB, or 1,000 headers) by resetting the stream', async () => {
      const answer = await attack(service(), 'oversized and very many headers', async () => {
        const session = rawSession(stack[name].address);
        const many = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`x-h${i}`, 'v']));
        const oversized = await rawCall(session, service().path, grpcFrame(service().validRequest), {
          extraHeaders: { 'x-padding': 'p'.repeat(100_000) },
        }).outcome;
        const numerous = await rawCall(session, service().path, grpcFrame(service().validRequest), {
          extraHeaders: many,
        }).outcome;
        session.destroy();
        return { oversized: oversized.rstCode, numerous: numerous.rstCode };
      });
      // nghttp2 answers a header list past its size limit REFUSED_STREAM, and past its count
      // limit either that or ENHANCE_YOUR_CALM, by which check trips first.
      expect(answer.oversized).toBe(constants.NGHTTP2_REFUSED_STREAM);
      expect([constants.NGHTTP2_REFUSED_STREAM, constants.NGHTTP2_ENHANCE_YOUR_CALM]).toContain(
        answer.numerous,
      );
    }, 20_000);

    it('takes at most MAX_CONCURRENT_STREAMS of 10,000 streams opened on one connection', async () => {
      const answer = await attack(service(), '10,000 streams on one connection', () =>
        runAttacker('many-streams.mts', [stack[name].address, service().path, '10000']),
      );
      // The server takes the first 100 and ends them at the idle limit; the rest wait client-side.
      expect(answer).toEqual({
        maxConcurrentStreams: 100,
        firstBatch: [status.DEADLINE_EXCEEDED],
        answeredInFirstBatch: 100,
      });
    }, 30_000);

    it('keeps answering others through a HEADERS + RST_STREAM flood (rapid reset)', async () => {
      const answer = await attack(service(), 'HEADERS+RST_STREAM flood, 20,000 streams', async () => {
        const session = rawSession(stack[name].address);
        const closed = new Promise<void>((resolve) => session.once('close', resolve));
        let sent = 0;
        for (; sent < 20_000 && !session.closed && !session.destroyed; sent += 1) {
          const stream = session.request(grpcRequestHeaders(service().path));
          stream.on('error', () => undefined);
          stream.close(constants.NGHTTP2_CANCEL);
          if (sent % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
        }
        const goaway = await Promise.race([closed.then(() => true), sleep(5_000).then(() => false)]);
        session.destroy();
        return { sent, connectionClosedByServer: goaway };
      });
      expect(answer.sent).toBeGreaterThan(0);
    }, 30_000);
  });

  it('decodes invalid UTF-8 in a string field with U+FFFD, as protobufjs does, and answers', async () => {
    const greeter = services[0];
    const answer = await attack(greeter, 'invalid UTF-8 and a wrong wire type', async () => {
      const session = rawSession(stack.greeter.address);
      const invalidUtf8 = await rawCall(
        session,
        greeter.path,
        grpcFrame(Buffer.from([0x0a, 0x02, 0xc3, 0x28])),
      ).outcome;
      // Field 1 sent as a varint instead of a string: skipped, so the name is empty.
      const wrongType = await rawCall(session, greeter.path, grpcFrame(Buffer.from([0x08, 0x96, 0x01])))
        .outcome;
      session.destroy();
      return { invalidUtf8, wrongType };
    });
    expect(answer).toEqual({
      invalidUtf8: { grpcStatus: status.OK, grpcMessage: 'OK' },
      wrongType: { grpcStatus: status.INVALID_ARGUMENT, grpcMessage: 'name must not be empty' },
    });
  }, 20_000);
});

/** Runs an attacker script of support/attackers in a process of its own; resolves with what it printed. */
async function runAttacker(script: string, args: string[]): Promise<unknown> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      join(workspaceRoot, 'tools', 'scripts', 'run-ts.mjs'),
      join(__dirname, 'support', 'attackers', script),
      ...args,
    ],
    {
      timeout: 25_000,
    },
  );
  return JSON.parse(stdout);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
