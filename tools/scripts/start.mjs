#!/usr/bin/env node
// `npm start`: builds the four services and the gateway and runs each as its own process on
// this machine, on its default port, with one readable line per log event. Ctrl-C (or SIGTERM) drains them
// all as a deployment would and exits once they have stopped.
import { spawn, spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVICES = [
  { app: 'greeter', port: 50051, contract: 'helloworld.Greeter (unary)' },
  { app: 'ticker', port: 50052, contract: 'ticker.v1.TickerService (server streaming)' },
  { app: 'upload', port: 50053, contract: 'upload.v1.UploadService (client streaming)' },
  { app: 'chat', port: 50054, contract: 'chat.v1.ChatService (bidi streaming)' },
  { app: 'gateway', port: 3000, contract: 'HTTP gateway' },
];
const host = process.env.HOST ?? '127.0.0.1';

const build = spawnSync(
  join(root, 'node_modules', '.bin', 'nx'),
  [
    'run-many',
    '--targets=build',
    `--projects=${SERVICES.map((s) => s.app).join(',')}`,
    '--outputStyle=static',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NX_NO_CLOUD: 'true' } },
);
if (build.status !== 0) process.exit(build.status ?? 1);

const width = Math.max(...SERVICES.map((s) => s.app.length));
const children = new Map();
let listening = 0;
let stopping = false;

for (const { app, port, contract } of SERVICES) {
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'main.js')], {
    cwd: root,
    env: { ...process.env, HOST: host, PORT: String(port), LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(app, child);
  const label = `[${app.padEnd(width)}]`;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const entry = parse(line);
      if (!entry) return console.log(`${label} ${line}`);
      const { message } = entry;
      if (message?.event === 'listening') {
        console.log(`${label} ${contract} on ${message.address}`);
        listening += 1;
        if (listening === SERVICES.length) ready();
        return;
      }
      console.log(
        `${label} ${entry.level.padEnd(5)} ${typeof message === 'string' ? message : JSON.stringify(message)}`,
      );
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(app);
    if (!stopping) {
      console.error(`${label} exited (${signal ?? code}); stopping the others`);
      stop(1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
}

function ready() {
  console.log(
    `\nquartet is running: greeter ${host}:50051, ticker ${host}:50052, upload ${host}:50053, chat ${host}:50054.` +
      `\nOpen the page: http://${host}:3000/  (the API: /api/hello, /api/ticker/:symbol, /api/uploads, /api/chat; /readyz, /metrics)` +
      '\nTry: grpcurl -plaintext -d \'{"name":"you"}\' 127.0.0.1:50051 helloworld.Greeter/SayHello' +
      '\nCtrl-C stops everything.\n',
  );
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) process.exit(code);
}

function parse(line) {
  try {
    const entry = JSON.parse(line);
    return typeof entry === 'object' && entry !== null && 'level' in entry ? entry : undefined;
  } catch {
    return undefined;
  }
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
