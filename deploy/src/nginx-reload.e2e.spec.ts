import { type ClientReadableStream, Metadata, type StatusObject, status } from '@grpc/grpc-js';
import {
  connect,
  deadlineIn,
  eventually,
  type ServiceProcess,
  spawnReplicas,
  statusOf,
  stopReplicas,
} from '@quartet/grpc-testing';
import { freeLoopbackPort, type NginxProxy, startNginx } from '@quartet/nginx';
import {
  CHAT_ROOM_HEADER,
  type ChatResponse,
  ChatServiceDefinition,
  TickerServiceDefinition,
  type WatchResponse,
} from '@quartet/proto';
import { CATALOGUE } from '@quartet/service-catalogue';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A reload (SIGHUP) with long streams open, as an operator does to add a replica: the streams
// go on through it, new calls go to the new worker, and the old worker is gone within
// worker_shutdown_timeout, its streams closed then, to be resumed with nothing missed.

const SHUTDOWN_SECONDS = 3;

/** The worker processes of the nginx master `pid`. */
const workersOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

function watchTicks(address: string, fromSeq: bigint) {
  const client = connect(TickerServiceDefinition, address);
  const call: ClientReadableStream<WatchResponse> = client.watch(
    { symbol: 'ACME', count: 0, intervalMs: 20, fromSeq },
    new Metadata(),
    deadlineIn(60_000),
  );
  const seqs: bigint[] = [];
  call.on('data', (tick: WatchResponse) => seqs.push(tick.seq));
  return { seqs, ended: statusOf(call), close: () => (call.cancel(), client.close()) };
}

function joinChat(address: string, user: string, sinceSeq: bigint) {
  const client = connect(ChatServiceDefinition, address);
  const metadata = new Metadata();
  metadata.set(CHAT_ROOM_HEADER, 'reload');
  const call = client.chat(metadata, deadlineIn(60_000));
  const texts: string[] = [];
  let lastSeq = 0n;
  call.on('data', ({ event }: ChatResponse) => {
    if (event?.$case !== 'message') return;
    texts.push(event.value.text);
    lastSeq = event.value.seq;
  });
  const ended = statusOf(call);
  call.write({ action: { $case: 'join', value: { room: 'reload', user, sinceSeq } } });
  return {
    texts,
    lastSeq: () => lastSeq,
    ended,
    post: (text: string) => call.write({ action: { $case: 'post', value: { text, clientId: text } } }),
    close: () => (call.end(), client.close()),
  };
}

describe('an nginx reload with chat and ticker streams open', () => {
  let replicas: ServiceProcess[] = [];
  let proxy: NginxProxy;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-nginx-reload-'));
    replicas = [...(await spawnReplicas('ticker', 1)), ...(await spawnReplicas('chat', 1))];
    proxy = await startNginx({
      dir,
      listen: `127.0.0.1:${await freeLoopbackPort()}`,
      replicas: { ticker: [replicas[0]?.address ?? ''], chat: [replicas[1]?.address ?? ''] },
      services: CATALOGUE.services.filter((service) => ['ticker', 'chat'].includes(service.app)),
      affinity: true,
      workerShutdownSeconds: SHUTDOWN_SECONDS,
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await stopReplicas(replicas);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`cuts no stream: they go on through it, and resume with nothing missed once the old worker leaves within ${SHUTDOWN_SECONDS} s`, async () => {
    const master = proxy.child.pid ?? 0;
    const ticks = watchTicks(proxy.address, 0n);
    const ann = joinChat(proxy.address, 'ann', 0n);
    const bob = joinChat(proxy.address, 'bob', 0n);
    ann.post('before');
    await eventually(() => bob.texts.includes('before') && ticks.seqs.length >= 5, {
      what: 'the streams running',
    });
    const [oldWorker] = workersOf(master);

    await proxy.reload({ ticker: [replicas[0]?.address ?? ''], chat: [replicas[1]?.address ?? ''] });
    await eventually(() => workersOf(master).some((pid) => pid !== oldWorker), { what: 'a new worker' });
    const reloadedAt = Date.now();
    // Through the reload, on the same calls, carried by the old worker.
    const ticksAtReload = ticks.seqs.length;
    ann.post('during');
    await eventually(() => bob.texts.includes('during') && ticks.seqs.length >= ticksAtReload + 10, {
      what: 'the streams going on after the reload',
    });
    expect(Date.now() - reloadedAt).toBeLessThan(SHUTDOWN_SECONDS * 1000);
    // A new call goes to the new worker at once.
    const fresh = watchTicks(proxy.address, 0n);
    await eventually(() => fresh.seqs.length >= 1, { what: 'a new call answered' });
    fresh.close();

    await eventually(() => !existsSync(`/proc/${oldWorker}`), {
      what: 'the old worker leaving',
      timeoutMs: SHUTDOWN_SECONDS * 1000 + 3_000,
    });
    console.info(`nginx: the old worker left ${Date.now() - reloadedAt} ms after the reload`);
    expect(workersOf(master)).toHaveLength(1);
    const endings: StatusObject[] = await Promise.all([ticks.ended, ann.ended, bob.ended]);
    expect(endings.map((ending) => ending.code)).toEqual([
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.UNAVAILABLE,
    ]);

    // Resumed on the new worker: the ticks from the next seq on, the chat from the last seq seen.
    const resumed = watchTicks(proxy.address, (ticks.seqs.at(-1) ?? 0n) + 1n);
    const annBack = joinChat(proxy.address, 'ann', ann.lastSeq());
    const bobBack = joinChat(proxy.address, 'bob', bob.lastSeq());
    annBack.post('after');
    await eventually(() => bobBack.texts.includes('after') && resumed.seqs.length >= 3, {
      what: 'the streams resumed',
    });
    const all = [...ticks.seqs, ...resumed.seqs];
    expect(all).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect([...bob.texts, ...bobBack.texts]).toEqual(['before', 'during', 'after']);
    for (const stream of [resumed, annBack, bobBack]) stream.close();
  }, 30_000);
});
