import { credentials, Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { clientChannelOptions } from '@quartet/grpc-client';
import {
  deadlineIn,
  eventually,
  type ServiceProcess,
  spawnReplicas,
  statusOf,
  stopReplicas,
} from '@quartet/grpc-testing';
import {
  grpcClientConstructor,
  SERVED_BY_HEADER,
  TickerServiceDefinition,
  type WatchResponse,
} from '@quartet/proto';

// With no retry policy (ticker is no idempotent service of the gateway's), a SIGKILLed
// replica may fail the calls it was carrying, and no other: calls picked after it died go to
// the others, streams on the others go on.

const LONG_STREAMS = 30;
const SHORT_CALLS = 1_500;
const SHORT_CALLS_PER_SECOND = 300;

interface Watch {
  servedBy?: string;
  ticks: number;
  readonly startedAt: number;
  endedAt?: number;
  readonly ended: Promise<StatusObject>;
  readonly cancel: () => void;
}

describe('ticker replicas behind client-side round robin when one is SIGKILLed', () => {
  let replicas: ServiceProcess[] = [];
  let client: InstanceType<ReturnType<typeof grpcClientConstructor<typeof TickerServiceDefinition>>>;

  beforeAll(async () => {
    replicas = await spawnReplicas('ticker', 3);
    const Client = grpcClientConstructor(TickerServiceDefinition);
    client = new Client(
      `ipv4:${replicas.map((replica) => replica.address).join(',')}`,
      credentials.createInsecure(),
      clientChannelOptions(),
    );
  }, 30_000);

  afterAll(async () => {
    client?.close();
    await stopReplicas(replicas);
  }, 30_000);

  const watch = (count: number, intervalMs: number): Watch => {
    const call = client.watch(
      { symbol: 'ACME', count, intervalMs, fromSeq: 0n },
      new Metadata(),
      deadlineIn(60_000),
    );
    const started: Watch = {
      ticks: 0,
      startedAt: Date.now(),
      ended: statusOf(call),
      cancel: () => call.cancel(),
    };
    call.on('metadata', (headers: Metadata) => (started.servedBy = String(headers.get(SERVED_BY_HEADER)[0])));
    call.on('data', (_tick: WatchResponse) => (started.ticks += 1));
    void started.ended.then(() => (started.endedAt = Date.now()));
    return started;
  };

  it('fails only the calls in flight on it: its streams, and short calls sent to it before the client noticed', async () => {
    // Round robin spreads calls over the replicas it is connected to: wait until that is all three.
    const seen = new Set<string>();
    await eventually(
      async () => {
        const probe = watch(1, 0);
        await probe.ended;
        if (probe.servedBy) seen.add(probe.servedBy);
        return seen.size === replicas.length;
      },
      { what: 'every replica answering' },
    );
    const long = Array.from({ length: LONG_STREAMS }, () => watch(0, 50));
    await eventually(() => long.every((stream) => stream.servedBy !== undefined && stream.ticks > 0), {
      what: 'every long stream running',
    });
    const doomed = replicas[1] as ServiceProcess;
    const onDoomed = long.filter((stream) => stream.servedBy === 'ticker-2');
    expect(onDoomed.length).toBeGreaterThan(0);

    const short: Watch[] = [];
    let killedAt = 0;
    const begun = Date.now();
    for (let i = 0; i < SHORT_CALLS; i += 1) {
      const due = begun + (i * 1_000) / SHORT_CALLS_PER_SECOND;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      if (i === Math.floor(SHORT_CALLS / 3)) {
        killedAt = Date.now();
        doomed.child.kill('SIGKILL');
      }
      short.push(watch(1, 0));
    }
    const shortEndings = await Promise.all(short.map((call) => call.ended));
    // When the client learnt that the replica was gone: its first stream there ended.
    const doomedEndings = await Promise.all(onDoomed.map((stream) => stream.ended));
    const noticedAt = Math.min(...onDoomed.map((stream) => stream.endedAt ?? Infinity));
    // In flight on the replica: running at the kill, or sent to it before the client could know.
    const inFlight = short.filter(
      (call) => call.startedAt <= noticedAt && (call.endedAt ?? Infinity) >= killedAt,
    );
    const failed = short.filter((_, i) => shortEndings[i]?.code !== status.OK);
    console.info(
      `SIGKILL: ${failed.length} of ${SHORT_CALLS} short calls failed; ${inFlight.length} were in flight on any replica ` +
        `between the kill and the client noticing it ${noticedAt - killedAt} ms later`,
    );
    for (const call of failed) expect(inFlight).toContain(call);
    expect(failed.map((_, i) => shortEndings[short.indexOf(failed[i] as Watch)]?.code)).toEqual(
      failed.map(() => status.UNAVAILABLE),
    );

    // The streams on the killed replica end UNAVAILABLE; those on the others go on ticking.
    expect(doomedEndings.map((ending) => ending.code)).toEqual(onDoomed.map(() => status.UNAVAILABLE));
    const others = long.filter((stream) => stream.servedBy !== 'ticker-2');
    const ticksNow = others.map((stream) => stream.ticks);
    await eventually(() => others.every((stream, i) => stream.ticks > (ticksNow[i] ?? 0) + 2), {
      what: 'the streams on the other replicas ticking on',
    });
    const stillRunning = await Promise.all(
      others.map((stream) => Promise.race([stream.ended, Promise.resolve(undefined)])),
    );
    expect(stillRunning.filter((ending) => ending !== undefined)).toEqual([]);
    for (const stream of others) stream.cancel();
  }, 60_000);
});
