#!/usr/bin/env node
// Where the traced greeter of the bench exports its spans: answers every OTLP/HTTP request
// 200 and counts the bytes, as a collector would take them, without keeping anything.
import { createServer } from 'node:http';

let received = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk) => (received += chunk.length));
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/x-protobuf' });
    response.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(JSON.stringify({ message: { event: 'listening', address: `127.0.0.1:${port}` } }));
});
process.on('SIGTERM', () => {
  console.error(`received ${received} bytes of spans`);
  process.exit(0);
});
