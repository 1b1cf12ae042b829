#!/usr/bin/env node
// `npm run soak [-- --seconds=600]`: every service and the gateway as built processes on
// loopback, all four call styles through the gateway with churn (clients that come and go,
// streams and uploads broken off halfway) for the given time; then the RSS and open file
// descriptors of every process at the start and at the end. It fails when a call that
// should have succeeded failed, or when a process grew past the bounds below.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { containerHeapMb } from '@quartet/grpc-testing';
import { listeningEvent, startProcess } from '@quartet/processes';
import { CATALOGUE as catalogue } from '@quartet/service-catalogue';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const seconds = Number(process.argv.find((arg) => arg.startsWith('--seconds='))?.slice(10) ?? 600);
/** How much a process may grow between the start (after warm-up) and the end of the soak. */
const RSS_GROWTH_BOUND_MB = 40;
const HANDLE_GROWTH_BOUND = 20;
/**
 * The start figures are taken once V8 has sized its heap for the load (a minute, or a fifth
 * of a short run): before that, growth is the heap settling, not a leak.
 */
const warmUpMs = Math.min(60_000, seconds * 200);
const SETTLE_MS = 5_000;

const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-soak-'));
const processes = [];

async function start(app, env = {}) {
  const started = await startProcess({
    name: app,
    command: process.execPath,
    args: [join(root, 'dist', 'apps', app, 'main.js')],
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_FORMAT: 'json',
      // The heap Node takes in the app's container: sized for this host, V8 would grow for
      // minutes with garbage it has no reason to collect yet, growth that says nothing of leaks.
      NODE_OPTIONS: `--max-old-space-size=${containerHeapMb(app)}`,
      ...env,
    },
    ready: (line) => listeningEvent(line)?.address,
    onLine: (line) => {
      if (/"level":"(error|fatal)"/.test(line)) console.error(`${app}: ${line}`);
    },
  });
  processes.push({ app, child: started.child, stop: started.stop });
  return started.value;
}

const rssMb = (pid) =>
  Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 102.4) / 10;
const handles = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const snapshot = () =>
  Object.fromEntries(
    processes.map(({ app, child }) => [app, { rssMb: rssMb(child.pid), handles: handles(child.pid) }]),
  );
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const counts = { hello: 0, ticks: 0, uploads: 0, chats: 0, brokenOff: 0 };
const failures = [];
const fail = (what) => (error) => failures.push(`${what}: ${error?.message ?? error}`);

/** `Bearer <token>` of the guest session the hello, ticker and upload loops share. */
let authorization;

/** Signs in as a guest through POST /api/session, as the page does; resolves with the Authorization value. */
async function signIn(gateway, name) {
  const { status, text } = await http('POST', `${gateway}/api/session`, JSON.stringify({ user: name }), {
    headers: { 'content-type': 'application/json' },
  });
  if (status !== 201) throw new Error(`session ${status} ${text}`);
  return `Bearer ${JSON.parse(text).token}`;
}

/**
 * @param {string} method
 * @param {string} url
 * @param {string | Buffer} [body]
 * @param {{ abortAfterBytes?: number, headers?: Record<string, string> }} [options]
 */
function http(method, url, body, { abortAfterBytes, headers = { authorization } } = {}) {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, timeout: 15_000, headers }, (response) => {
      let text = '';
      let received = 0;
      response.on('data', (chunk) => {
        text += chunk;
        received += chunk.length;
        if (abortAfterBytes !== undefined && received >= abortAfterBytes) outgoing.destroy();
      });
      response.on('end', () => resolve({ status: response.statusCode, text }));
      response.on('error', () => resolve({ status: 0, text }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 15 s')));
    outgoing.on('error', (error) =>
      abortAfterBytes !== undefined ? resolve({ status: 0, text: '' }) : reject(error),
    );
    if (body) outgoing.end(body);
    else outgoing.end();
  });
}

async function helloLoop(gateway, until) {
  for (let i = 0; Date.now() < until; i += 1) {
    const { status, text } = await http('GET', `${gateway}/api/hello?name=soak${i}`);
    if (status !== 200 || JSON.parse(text).message !== `Hello soak${i}`) throw new Error(`hello ${status}`);
    counts.hello += 1;
  }
}

async function tickerLoop(gateway, until) {
  for (let i = 0; Date.now() < until; i += 1) {
    if (i % 5 === 4) {
      // Broken off after the first events: the gateway must cancel the backend stream.
      await http('GET', `${gateway}/api/ticker/SOAK${i % 50}?intervalMs=0`, undefined, {
        abortAfterBytes: 2_000,
      });
      counts.brokenOff += 1;
      continue;
    }
    const { status, text } = await http('GET', `${gateway}/api/ticker/SOAK${i % 50}?count=50&intervalMs=0`);
    if (status !== 200 || !text.includes('event: end')) throw new Error(`ticker ${status}`);
    counts.ticks += 50;
  }
}

async function uploadLoop(gateway, until) {
  for (let i = 0; Date.now() < until; i += 1) {
    const body = randomBytes(256 * 1024);
    if (i % 5 === 4) {
      // A client that goes away halfway: the upload must leave nothing behind.
      await new Promise((resolve) => {
        const outgoing = request(`${gateway}/api/uploads?name=broken.bin`, {
          method: 'POST',
          headers: { 'content-length': body.length, authorization },
        });
        outgoing.on('error', () => resolve(undefined));
        outgoing.on('close', () => resolve(undefined));
        outgoing.write(body.subarray(0, 64 * 1024), () => setTimeout(() => outgoing.destroy(), 20));
      });
      counts.brokenOff += 1;
      continue;
    }
    const { status, text } = await http('POST', `${gateway}/api/uploads?name=soak-${i}.bin`, body);
    if (status !== 201) throw new Error(`upload ${status} ${text}`);
    rmSync(join(uploadDir, JSON.parse(text).id), { recursive: true, force: true });
    counts.uploads += 1;
  }
}

function chatOnce(gateway, room, member, abrupt) {
  const socket = new WebSocket(`${gateway.replace('http', 'ws')}/api/chat?room=${room}`, {
    headers: { authorization: member },
  });
  const text = `hello ${Math.random()}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('chat: no echo within 10 s')), 10_000);
    socket.once('error', reject);
    socket.once('open', () => {
      if (abrupt) {
        clearTimeout(timer);
        socket.terminate();
        return resolve(undefined);
      }
      socket.send(JSON.stringify({ type: 'post', text }));
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'message' && frame.text === text) {
        clearTimeout(timer);
        socket.close();
        resolve(undefined);
      }
    });
  });
}

async function chatLoop(gateway, until, member) {
  const signedIn = await signIn(gateway, `soaker${member}`);
  for (let i = 0; Date.now() < until; i += 1) {
    const abrupt = i % 5 === 4;
    await chatOnce(gateway, `room-${i % 20}`, signedIn, abrupt);
    if (abrupt) counts.brokenOff += 1;
    else counts.chats += 1;
  }
}

async function main() {
  const greeter = await start('greeter');
  const ticker = await start('ticker');
  const upload = await start('upload', { UPLOAD_DIR: uploadDir, UPLOAD_MIN_FREE_BYTES: '0' });
  const chat = await start('chat');
  const addresses = { greeter, ticker, upload, chat };
  const gatewayAddress = await start('gateway', {
    ...Object.fromEntries(
      catalogue.services
        .filter((service) => service.targetVariable)
        .map((service) => [service.targetVariable, addresses[service.app] ?? '127.0.0.1:9']),
    ),
    // Every client of the soak comes from one address, and one user makes most calls.
    MAX_STREAMS_PER_CLIENT: '64',
    RATE_LIMIT_PER_MINUTE: '1000000',
    UPLOAD_QUOTA_BYTES: String(1024 ** 4),
    METRICS_PORT: '0',
    SHUTDOWN_SETTLE_MS: '0',
  });
  const gateway = `http://${gatewayAddress}`;
  authorization = await signIn(gateway, 'soaker');
  console.log(`soaking for ${seconds} s: all four styles through ${gateway}, with churn`);

  const until = Date.now() + seconds * 1000;
  const loops = [
    helloLoop(gateway, until).catch(fail('hello')),
    helloLoop(gateway, until).catch(fail('hello')),
    tickerLoop(gateway, until).catch(fail('ticker')),
    uploadLoop(gateway, until).catch(fail('upload')),
    ...[1, 2, 3].map((member) => chatLoop(gateway, until, member).catch(fail('chat'))),
  ];
  await sleep(warmUpMs);
  const first = snapshot();
  const peak = { ...first };
  const sampler = setInterval(() => {
    for (const [app, now] of Object.entries(snapshot())) {
      peak[app] = {
        rssMb: Math.max(peak[app].rssMb, now.rssMb),
        handles: Math.max(peak[app].handles, now.handles),
      };
    }
  }, 5_000);
  await Promise.all(loops);
  clearInterval(sampler);
  await sleep(SETTLE_MS);
  const last = snapshot();

  const rows = processes.map(({ app }) => {
    const growthMb = Math.round((last[app].rssMb - first[app].rssMb) * 10) / 10;
    const handleGrowth = last[app].handles - first[app].handles;
    return {
      app,
      rssStartMb: first[app].rssMb,
      rssPeakMb: peak[app].rssMb,
      rssEndMb: last[app].rssMb,
      growthMb,
      handlesStart: first[app].handles,
      handlesPeak: peak[app].handles,
      handlesEnd: last[app].handles,
      ok: growthMb <= RSS_GROWTH_BOUND_MB && handleGrowth <= HANDLE_GROWTH_BOUND,
    };
  });
  console.table(rows);
  console.log({ seconds, warmUpSeconds: warmUpMs / 1000, ...counts, failures: failures.length });
  for (const failure of failures.slice(0, 10)) console.error(failure);
  const leftBehind = readdirSync(join(uploadDir, '.incoming')).length;
  if (leftBehind > 0) failures.push(`${leftBehind} partial uploads left in .incoming`);
  mkdirSync(join(root, 'reports'), { recursive: true });
  writeFileSync(
    join(root, 'reports', 'soak.json'),
    `${JSON.stringify({ seconds, counts, rows, failures }, null, 2)}\n`,
  );
  const ok = failures.length === 0 && rows.every((row) => row.ok);
  console.log(
    ok
      ? `soak passed: no failed call; every process within +${RSS_GROWTH_BOUND_MB} MB RSS and +${HANDLE_GROWTH_BOUND} handles`
      : 'soak FAILED',
  );
  return ok;
}

let ok = false;
try {
  ok = await main();
} catch (error) {
  console.error(error);
} finally {
  await Promise.all(processes.map(({ stop }) => stop('SIGTERM', 1_000)));
  rmSync(uploadDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
