// An attacker in a process of its own: opens `count` gRPC streams on one HTTP/2 connection,
// each with a message that declares more bytes than it sends, and prints (as JSON) what the
// server advertised and how the first `maxConcurrentStreams` ended. Its own process, because
// Node's http2 client can abort when sessions with thousands of queued streams are torn
// down one after another in one process.
// Usage: node tools/scripts/run-ts.mjs many-streams.mts <host:port> <path> <count>
import { connect } from 'node:http2';
import { grpcFrame, grpcRequestHeaders } from '@quartet/grpc-testing';

const [address, path = '', count] = process.argv.slice(2);
const session = connect(`http://${address}`);
session.on('error', () => undefined);
session.once('remoteSettings', (settings) => {
  const limit = settings.maxConcurrentStreams ?? Infinity;
  // Field 1, a one-byte string, in a message that claims 100 bytes.
  const frame = grpcFrame(Buffer.from([0x0a]), { declaredLength: 100 });
  const outcomes: number[] = [];
  let answered = 0;
  for (let i = 0; i < Number(count); i += 1) {
    const stream = session.request(grpcRequestHeaders(path));
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    const settle = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] === undefined) return;
      answered += 1;
      if (outcomes.length < limit) outcomes.push(Number(headers['grpc-status']));
      if (outcomes.length === limit) {
        process.stdout.write(
          `${JSON.stringify({ maxConcurrentStreams: limit, firstBatch: [...new Set(outcomes)], answeredInFirstBatch: answered })}\n`,
          () => process.exit(0),
        );
      }
    };
    stream.on('response', settle);
    stream.on('trailers', settle);
    stream.write(frame);
  }
});
setTimeout(() => process.exit(2), 20_000).unref();
