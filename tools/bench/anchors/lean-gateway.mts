// The gateway rows' anchor: the leanest Node HTTP→gRPC gateway, what a gateway cannot beat
// without leaving Node. node:http, one grpc-js channel to the greeter, the request encoded
// and the reply decoded by the generated codecs around identity serializers, and JSON out.
// No framework, no policy (sign-in, rate limit, access log, metrics): what quartet's gateway
// pays for those is the gap to this.
//
//   run-ts tools/bench/anchors/lean-gateway.mts <greeter address>
// Logs {"message":{"event":"listening","address":...}} once it listens on 127.0.0.1:0.
import { createServer } from 'node:http';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { HelloReply, HelloRequest } from '@quartet/proto';

const greeter = new Client(process.argv[2] ?? '', credentials.createInsecure());
const identity = (bytes: Buffer) => bytes;

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://gateway');
  if (url.pathname !== '/api/hello') {
    response.writeHead(404).end();
    return;
  }
  const name = url.searchParams.get('name') ?? '';
  greeter.makeUnaryRequest(
    '/helloworld.Greeter/SayHello',
    identity,
    identity,
    Buffer.from(HelloRequest.encode({ name }).finish()),
    new Metadata(),
    { deadline: Date.now() + 5_000 },
    (error, reply) => {
      if (error || !reply) {
        response
          .writeHead(502, { 'content-type': 'application/json' })
          .end('{"error":{"code":"UNAVAILABLE"}}');
        return;
      }
      const body = JSON.stringify({ message: HelloReply.decode(reply).message });
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    },
  );
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ message: { event: 'listening', address: `127.0.0.1:${port}` } }));
});
process.on('SIGTERM', () => process.exit(0));
