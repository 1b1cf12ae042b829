import {
  type ClientDuplexStream,
  Metadata,
  type ServiceError,
  type StatusObject,
  status,
} from '@grpc/grpc-js';
import {
  connect,
  deadlineIn,
  eventually,
  nextMessage,
  outcomeOf,
  readAll,
  type ServiceProcess,
  spawnReplicas,
  stopReplicas,
  tally,
} from '@quartet/grpc-testing';
import {
  CHAT_ROOM_HEADER,
  type ChatRequest,
  type ChatResponse,
  ChatServiceDefinition,
  GreeterDefinition,
  SERVED_BY_HEADER,
  TickerServiceDefinition,
  type UploadRequest,
  type UploadResponse,
  UploadServiceDefinition,
} from '@quartet/proto';
import { healthClient } from '@quartet/grpc-client';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, type NginxProxy, startNginx } from '@quartet/nginx';
import { CATALOGUE } from '@quartet/service-catalogue';

// nginx started for real, as an ordinary process on a loopback port, in front of built
// replicas of every service; stock grpc-js clients call through it.

const CHAT_IDLE_MS = 75_000;

const servedBy = (headers: Metadata) => String(headers.get(SERVED_BY_HEADER)[0]);

function sayHello(address: string, name: string) {
  const greeter = connect(GreeterDefinition, address);
  return outcomeOf<{ message: string }>((done) =>
    greeter.sayHello({ name }, new Metadata(), deadlineIn(), done),
  ).finally(() => greeter.close());
}

function upload(address: string, name: string, data: Buffer) {
  const client = connect(UploadServiceDefinition, address);
  return outcomeOf<UploadResponse>((done) => {
    const call = client.upload(new Metadata(), deadlineIn(60_000), done);
    void (async () => {
      const requests: UploadRequest[] = [
        {
          payload: {
            $case: 'info',
            value: { name, contentType: 'application/octet-stream', size: BigInt(data.length) },
          },
        },
      ];
      for (let at = 0; at < data.length; at += 1024 * 1024) {
        requests.push({ payload: { $case: 'chunk', value: data.subarray(at, at + 1024 * 1024) } });
      }
      for (const request of requests) {
        if (!call.write(request)) await new Promise((resolve) => call.once('drain', resolve));
      }
      call.end();
    })();
    return call;
  }).finally(() => client.close());
}

interface ChatMember {
  readonly call: ClientDuplexStream<ChatRequest, ChatResponse>;
  readonly joined: ChatResponse;
  readonly servedBy: string;
  /** How the call ended, if it has. */
  readonly ended: () => StatusObject | undefined;
  readonly close: () => void;
}

/** Joins `room` through `address`, naming the room in x-chat-room as the gateway does. */
async function joinChat(
  address: string,
  room: string,
  user: string,
  timeoutMs = 120_000,
): Promise<ChatMember> {
  const client = connect(ChatServiceDefinition, address);
  const metadata = new Metadata();
  metadata.set(CHAT_ROOM_HEADER, room);
  const call = client.chat(metadata, deadlineIn(timeoutMs));
  call.on('error', () => undefined);
  let ended: StatusObject | undefined;
  call.on('status', (outcome: StatusObject) => (ended = outcome));
  const headers = new Promise<Metadata>((resolve) => call.once('metadata', resolve));
  call.write({ action: { $case: 'join', value: { room, user, sinceSeq: 0n } } });
  const joined = await nextMessage(call);
  return {
    call,
    joined,
    servedBy: servedBy(await headers),
    ended: () => ended,
    close: () => {
      call.end();
      client.close();
    },
  };
}

/** The next chat message (not presence) the member receives. */
async function nextChatMessage(member: ChatMember) {
  for (;;) {
    const { event } = await nextMessage(member.call);
    if (event?.$case === 'message') return event.value;
  }
}

describe('the nginx grpc_pass proxy', () => {
  const replicas: Record<string, ServiceProcess[]> = {};
  let uploadDir: string;
  let proxy: NginxProxy;
  let nginxDir: string;

  beforeAll(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'quartet-proxy-uploads-'));
    nginxDir = mkdtempSync(join(tmpdir(), 'quartet-nginx-'));
    replicas['greeter'] = await spawnReplicas('greeter', 3);
    replicas['ticker'] = await spawnReplicas('ticker', 2);
    replicas['upload'] = await spawnReplicas('upload', 2, { UPLOAD_DIR: uploadDir });
    // The chat replicas ping their connections less often than the quiet test lasts, so that
    // only the proxy's own time-outs decide whether a quiet stream survives.
    replicas['chat'] = await spawnReplicas('chat', 2, { KEEPALIVE_TIME_MS: String(CHAT_IDLE_MS * 2) });
    proxy = await startNginx({
      dir: nginxDir,
      listen: `127.0.0.1:${await freeLoopbackPort()}`,
      replicas: addressesOf(replicas),
      // The four styles' services; a service added to the service catalogue has tests of its own.
      services: CATALOGUE.services.filter((service) => service.app in replicas),
      // These chat replicas keep rooms in memory (no REDIS_URL): a room must stay on one.
      affinity: true,
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await stopReplicas(Object.values(replicas).flat());
    rmSync(uploadDir, { recursive: true, force: true });
    rmSync(nginxDir, { recursive: true, force: true });
  }, 30_000);

  it('carries a unary call and the replica names itself in x-served-by', async () => {
    const outcome = await sayHello(proxy.address, 'proxy');
    expect(outcome.status.code).toBe(status.OK);
    expect(outcome.response?.message).toBe('Hello proxy');
    expect(servedBy(outcome.headers)).toMatch(/^greeter-[123]$/);
  });

  it("passes a replica's error status and message through", async () => {
    const outcome = await sayHello(proxy.address, '');
    expect(outcome.status.code).toBe(status.INVALID_ARGUMENT);
    expect(outcome.status.details).toBe('name must not be empty');
  });

  it('carries a server stream to its end', async () => {
    const ticker = connect(TickerServiceDefinition, proxy.address);
    const outcome = await readAll(
      ticker.watch({ symbol: 'ACME', count: 5, intervalMs: 0, fromSeq: 0n }, new Metadata(), deadlineIn()),
    );
    ticker.close();
    expect(outcome.status.code).toBe(status.OK);
    expect(outcome.messages.map((tick) => tick.seq)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(servedBy(outcome.headers)).toMatch(/^ticker-[12]$/);
  });

  it("streams a 5 MiB upload through, past nginx's 1 MiB default body limit", async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const outcome = await upload(proxy.address, 'five.bin', data);
    expect(outcome.status.code).toBe(status.OK);
    const response = outcome.response as UploadResponse;
    expect(response.size).toBe(BigInt(data.length));
    expect(response.chunks).toBe(5);
    expect(response.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(readFileSync(join(uploadDir, response.id, 'five.bin')).equals(data)).toBe(true);
  }, 60_000);

  it('carries a bidi chat: a member receives its own post', async () => {
    const ann = await joinChat(proxy.address, 'proxied', 'ann');
    expect(ann.joined.event?.$case).toBe('joined');
    ann.call.write({ action: { $case: 'post', value: { text: 'through nginx', clientId: 'p1' } } });
    expect(await nextChatMessage(ann)).toMatchObject({ user: 'ann', text: 'through nginx', seq: 1n });
    ann.close();
  });

  it('spreads 300 calls over three replicas, each answering 80 to 120', async () => {
    const answers: string[] = [];
    const greeter = connect(GreeterDefinition, proxy.address);
    for (let i = 0; i < 300; i += 1) {
      const outcome = await outcomeOf<{ message: string }>((done) =>
        greeter.sayHello({ name: `n${i}` }, new Metadata(), deadlineIn(), done),
      );
      answers.push(
        outcome.status.code === status.OK ? servedBy(outcome.headers) : status[outcome.status.code],
      );
    }
    greeter.close();
    const counts = tally(answers);
    expect(Object.keys(counts).sort()).toEqual(['greeter-1', 'greeter-2', 'greeter-3']);
    for (const answered of Object.values(counts)) {
      expect(answered).toBeGreaterThanOrEqual(80);
      expect(answered).toBeLessThanOrEqual(120);
    }
  }, 30_000);

  it('sends every member of a room to the same chat replica, so they hear each other', async () => {
    for (const room of ['alpha', 'beta', 'gamma', 'delta']) {
      const ann = await joinChat(proxy.address, room, 'ann');
      const bob = await joinChat(proxy.address, room, 'bob');
      expect(bob.servedBy).toBe(ann.servedBy);
      bob.call.write({ action: { $case: 'post', value: { text: `hi ${room}`, clientId: 'b1' } } });
      expect(await nextChatMessage(ann)).toMatchObject({ user: 'bob', text: `hi ${room}` });
      ann.close();
      bob.close();
    }
  });

  it('answers a service it does not route with UNIMPLEMENTED and a message', async () => {
    const health = healthClient(proxy.address);
    const error = await new Promise<ServiceError | null>((resolve) =>
      health.check({ service: '' }, deadlineIn(), resolve),
    );
    health.close();
    expect(error?.code).toBe(status.UNIMPLEMENTED);
    expect(error?.details).toMatch(/unknown service/);
  });

  it('sends calls to a replica added by a reload, and drops none while reloading', async () => {
    const [added] = await spawnReplicas('greeter', 1, {}, 4);
    replicas['greeter']?.push(added as ServiceProcess);
    const greeter = connect(GreeterDefinition, proxy.address);
    const answers: string[] = [];
    const call = () =>
      outcomeOf<{ message: string }>((done) =>
        greeter.sayHello({ name: 'r' }, new Metadata(), deadlineIn(), done),
      ).then((outcome) =>
        answers.push(
          outcome.status.code === status.OK ? servedBy(outcome.headers) : status[outcome.status.code],
        ),
      );
    await call();
    await proxy.reload(addressesOf(replicas));
    await eventually(async () => (await call(), answers.includes('greeter-4')), {
      timeoutMs: 10_000,
      everyMs: 10,
      what: 'the added replica answering',
    });
    greeter.close();
    expect(answers.filter((answer) => !answer.startsWith('greeter-'))).toEqual([]);
  }, 30_000);

  it(
    `keeps a chat stream open through ${CHAT_IDLE_MS / 1000} quiet seconds, past nginx's 60-second defaults`,
    async () => {
      const ann = await joinChat(proxy.address, 'quiet', 'ann');
      // The quiet time is the behaviour under test: nothing is sent either way while it passes.
      await new Promise((resolve) => setTimeout(resolve, CHAT_IDLE_MS));
      expect(ann.ended()).toBeUndefined();
      ann.call.write({ action: { $case: 'post', value: { text: 'still here', clientId: 'q1' } } });
      expect(await nextChatMessage(ann)).toMatchObject({ user: 'ann', text: 'still here' });
      ann.close();
    },
    CHAT_IDLE_MS + 30_000,
  );
});

function addressesOf(replicas: Record<string, ServiceProcess[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(replicas).map(([app, list]) => [app, list.map((r) => r.address)]));
}
