// An attacker in a process of its own: opens `count` gRPC streams on one HTTP/2 connection,
// each with a message that declares more bytes than it sends, and prints (as JSON) what the
// server advertised and how the first `maxConcurrentStreams` ended. Its own process, because
// Node 20's http2 client can abort when sessions with thousands of queued streams are torn
// down one after another in one process.
// Usage: node many-streams.cjs <host:port> <path> <count>
const http2 = require('node:http2');

const [address, path, count] = process.argv.slice(2);
const session = http2.connect(`http://${address}`);
session.on('error', () => undefined);
session.once('remoteSettings', (settings) => {
  const limit = settings.maxConcurrentStreams;
  const frame = Buffer.from([0, 0, 0, 0, 100, 0x0a]);
  const outcomes = [];
  let answered = 0;
  for (let i = 0; i < Number(count); i += 1) {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    const settle = (headers) => {
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
