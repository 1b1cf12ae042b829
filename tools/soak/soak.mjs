#!/usr/bin/env node
// `npm run soak [-- --seconds=600] [--scaled] [--report=file]`: every service and the gateway as
// built processes on loopback, all four call styles through the gateway with churn (clients that
// come and go, streams and uploads broken off halfway) for the given time; then the RSS and open
// file descriptors of every process at the start and at the end. It fails when a call that
// should have succeeded failed, or when a process grew past the bounds below.
// --scaled: chat as two replicas with their rooms in a redis-server, two gateways sharing their
// limits in it, the loops spread over both; halfway through, one chat replica is SIGKILLed and
// started again on its port. A chat round its death cuts is rejoined, as the page does; more
// such rounds than calls can be in flight on it, or any other failure, fail the soak.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { containerHeapMb } from '@quartet/grpc-testing';
import { listeningEvent, startProcess, startRedisServer } from '@quartet/processes';
import { CATALOGUE as catalogue } from '@quartet/service-catalogue';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const seconds = Number(process.argv.find((arg) => arg.startsWith('--seconds='))?.slice(10) ?? 600);
const scaled = process.argv.includes('--scaled');
const reportPath =
  process.argv.find((arg) => arg.startsWith('--report='))?.slice(9) ?? join(root, 'reports', 'soak.json');
/** The chat rounds that may be cut by a killed replica: each chat loop has one in flight at a time. */
const CHAT_LOOPS = 3;
/** How much a process may grow between the start (after warm-up) and the end of the soak. */
const RSS_GROWTH_BOUND_MB = 40;
const HANDLE_GROWTH_BOUND = 20;
/**
 * The start figures are taken once V8 has sized its heap for the load (a minute, or a fifth
 * of a short run): before that, growth is the heap settling, not a leak.
 */
const warmUpMs = Math.min(60_000, seconds * 200);
/** Under two minutes the heap is still settling (V8 grows it for a while under any load): memory is reported, not judged. */
const judgesMemory = seconds >= 120;
const SETTLE_MS = 5_000;

const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-soak-'));
const processes = [];
/** What to stop after the apps (the scaled run's redis-server). */
const cleanups = [];

/** Starts the built `app` as `name` (its row in the report); resolves with its address. */
async function start(app, env = {}, name = app) {
  const started = await startProcess({
    name,
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
      if (/"level":"(error|fatal)"/.test(line)) console.error(`${name}: ${line}`);
    },
  });
  const entry = processes.find((candidate) => candidate.app === name);
  const running = { app: name, child: started.child, stop: started.stop, restarted: Boolean(entry) };
  if (entry) processes.splice(processes.indexOf(entry), 1, running);
  else processes.push(running);
  return started.value;
}

const rssMb = (pid) =>
  Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 102.4) / 10;
const handles = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const snapshot = () =>
  Object.fromEntries(
    processes
      .filter(({ child }) => child.exitCode === null && child.signalCode === null)
      .map(({ app, child }) => [app, { rssMb: rssMb(child.pid), handles: handles(child.pid) }]),
  );
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const counts = { hello: 0, ticks: 0, uploads: 0, chats: 0, brokenOff: 0, chatsRejoined: 0 };
const kills = [];
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

/** One chat round: join, post, see the echo. Resolves 'cut' when the chat service went away under it. */
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
        return resolve('done');
      }
      socket.send(JSON.stringify({ type: 'post', text }));
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'message' && frame.text === text) {
        clearTimeout(timer);
        socket.close();
        resolve('done');
      }
    });
    // 1013 "try again later": the replica serving the room died or lost its store; a 503 handshake:
    // the join went to a replica that had just died, before the gateway knew.
    socket.once('close', (code) => {
      clearTimeout(timer);
      if (code === 1013) resolve('cut');
    });
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      socket.terminate();
      if (response.statusCode === 503) resolve('cut');
      else reject(new Error(`chat: handshake answered ${response.statusCode}`));
    });
  });
}

async function chatLoop(gateway, until, member) {
  const signedIn = await signIn(gateway, `soaker${member}`);
  for (let i = 0; Date.now() < until; i += 1) {
    const abrupt = i % 5 === 4;
    const outcome = await chatOnce(gateway, `room-${i % 20}`, signedIn, abrupt);
    if (outcome === 'cut') {
      counts.chatsRejoined += 1;
      // As the page does: a moment before rejoining, so the gateway can see which replica is gone.
      await sleep(250);
    } else if (abrupt) counts.brokenOff += 1;
    else counts.chats += 1;
  }
}

/** The services and one gateway, as on one machine; resolves with the gateways' URLs and what to do halfway. */
async function startOneOfEach() {
  const addresses = {
    greeter: await start('greeter'),
    ticker: await start('ticker'),
    upload: await start('upload', { UPLOAD_DIR: uploadDir, UPLOAD_MIN_FREE_BYTES: '0' }),
    chat: await start('chat'),
  };
  return { gateways: [await startGateway(addresses, {}, 'gateway')], halfway: async () => undefined };
}

/**
 * Two chat replicas on a redis-server and two gateways sharing their limits in it; halfway,
 * chat-1 is SIGKILLed and started again on its port, which the gateways' channels dial again.
 */
async function startScaledOut() {
  const redisDir = mkdtempSync(join(tmpdir(), 'quartet-soak-redis-'));
  const redis = await startRedisServer({ dir: redisDir });
  cleanups.push(async () => {
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });
  const chatEnv = { REDIS_URL: redis.url, CHAT_PRESENCE_LEASE_MS: '2000' };
  const chats = [
    await start('chat', { ...chatEnv, INSTANCE_ID: 'chat-1' }, 'chat-1'),
    await start('chat', { ...chatEnv, INSTANCE_ID: 'chat-2' }, 'chat-2'),
  ];
  const addresses = {
    greeter: await start('greeter'),
    ticker: await start('ticker'),
    upload: await start('upload', { UPLOAD_DIR: uploadDir, UPLOAD_MIN_FREE_BYTES: '0' }),
    chat: `ipv4:${chats.join(',')}`,
  };
  // One key for both: a session started on one gateway is valid on the other.
  const shared = { REDIS_URL: redis.url, AUTH_SECRET: randomBytes(32).toString('hex') };
  const gateways = [
    await startGateway(addresses, shared, 'gateway-1'),
    await startGateway(addresses, shared, 'gateway-2'),
  ];
  const halfway = async () => {
    const victim = processes.find(({ app }) => app === 'chat-1');
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    const port = chats[0].slice(chats[0].lastIndexOf(':') + 1);
    await start('chat', { ...chatEnv, INSTANCE_ID: 'chat-1', PORT: port }, 'chat-1');
    kills.push({ app: 'chat-1', signal: 'SIGKILL', backAfterMs: Date.now() - killedAt });
    console.log(`chat-1 SIGKILLed and serving again after ${Date.now() - killedAt} ms`);
  };
  return { gateways, halfway };
}

async function startGateway(addresses, env, name) {
  const address = await start(
    'gateway',
    {
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
      INSTANCE_ID: name,
      ...env,
    },
    name,
  );
  return `http://${address}`;
}

async function main() {
  const { gateways, halfway } = scaled ? await startScaledOut() : await startOneOfEach();
  const [first, second = first] = gateways;
  authorization = await signIn(first, 'soaker');
  console.log(`soaking for ${seconds} s: all four styles through ${gateways.join(' and ')}, with churn`);

  const until = Date.now() + seconds * 1000;
  const loops = [
    helloLoop(first, until).catch(fail('hello')),
    helloLoop(second, until).catch(fail('hello')),
    tickerLoop(first, until).catch(fail('ticker')),
    uploadLoop(second, until).catch(fail('upload')),
    ...Array.from({ length: CHAT_LOOPS }, (_, i) =>
      chatLoop(i % 2 === 0 ? first : second, until, i + 1).catch(fail('chat')),
    ),
  ];
  const disruption = sleep((seconds * 1000) / 2)
    .then(halfway)
    .catch(fail('the halfway kill'));
  await sleep(warmUpMs);
  const atStart = snapshot();
  const peak = { ...atStart };
  const sampler = setInterval(() => {
    for (const [app, now] of Object.entries(snapshot())) {
      peak[app] = {
        rssMb: Math.max(peak[app].rssMb, now.rssMb),
        handles: Math.max(peak[app].handles, now.handles),
      };
    }
  }, 5_000);
  await Promise.all([...loops, disruption]);
  clearInterval(sampler);
  // A cut round is one that was in flight on the killed replica, or sent to it before the gateway knew.
  if (counts.chatsRejoined > CHAT_LOOPS * kills.length) {
    failures.push(`${counts.chatsRejoined} chat rounds were cut, more than the ${CHAT_LOOPS} a kill can cut`);
  }
  await sleep(SETTLE_MS);
  const last = snapshot();

  const rows = processes.map(({ app, restarted }) => {
    const growthMb = Math.round((last[app].rssMb - atStart[app].rssMb) * 10) / 10;
    const handleGrowth = last[app].handles - atStart[app].handles;
    return {
      app,
      rssStartMb: atStart[app].rssMb,
      rssPeakMb: peak[app].rssMb,
      rssEndMb: last[app].rssMb,
      growthMb,
      handlesStart: atStart[app].handles,
      handlesPeak: peak[app].handles,
      handlesEnd: last[app].handles,
      // A replica killed and started again is another process: its start figures are its predecessor's.
      restarted,
      ok:
        restarted ||
        !judgesMemory ||
        (growthMb <= RSS_GROWTH_BOUND_MB && handleGrowth <= HANDLE_GROWTH_BOUND),
    };
  });
  console.table(rows);
  console.log({
    seconds,
    scaled,
    warmUpSeconds: warmUpMs / 1000,
    ...counts,
    kills,
    failures: failures.length,
  });
  for (const failure of failures.slice(0, 10)) console.error(failure);
  const leftBehind = readdirSync(join(uploadDir, '.incoming')).length;
  if (leftBehind > 0) failures.push(`${leftBehind} partial uploads left in .incoming`);
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(
    reportPath,
    `${JSON.stringify({ seconds, scaled, counts, kills, rows, failures }, null, 2)}\n`,
  );
  const ok = failures.length === 0 && rows.every((row) => row.ok);
  console.log(
    ok
      ? `soak passed: no failed call${judgesMemory ? `; every process within +${RSS_GROWTH_BOUND_MB} MB RSS and +${HANDLE_GROWTH_BOUND} handles` : ' (memory not judged under 120 s)'}`
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
  for (const cleanup of cleanups) await cleanup();
  rmSync(uploadDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
