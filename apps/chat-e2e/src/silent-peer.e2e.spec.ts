import { credentials, Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { clientChannelOptions } from '@quartet/grpc-client';
import {
  connect,
  deadlineIn,
  eventually,
  type ServiceProcess,
  type SilentRelay,
  spawnService,
  startSilentRelay,
  statusOf,
} from '@quartet/grpc-testing';
import { type ChatResponse, ChatServiceDefinition, grpcClientConstructor } from '@quartet/proto';

/** A slack over the keepalive's own bound, for a loaded machine's timers. */
const SLACK_MS = 3_000;

/** A member over a bidi call to `address`, with quartet's channel options (keepalive as given). */
function member(address: string, user: string, keepalive?: { timeMs: number; timeoutMs: number }) {
  const options = {
    ...clientChannelOptions(),
    ...(keepalive && {
      'grpc.keepalive_time_ms': keepalive.timeMs,
      'grpc.keepalive_timeout_ms': keepalive.timeoutMs,
    }),
  };
  const Client = grpcClientConstructor(ChatServiceDefinition);
  const client = keepalive
    ? new Client(address, credentials.createInsecure(), options)
    : connect(ChatServiceDefinition, address);
  const call = client.chat(new Metadata(), deadlineIn(120_000));
  const events: ChatResponse[] = [];
  call.on('data', (event: ChatResponse) => events.push(event));
  const ended: Promise<StatusObject> = statusOf(call);
  call.write({ action: { $case: 'join', value: { room: 'lobby', user, sinceSeq: 0n } } });
  const sees = (who: string, online: boolean) =>
    events.some(
      (e) => e.event?.$case === 'presence' && e.event.value.user === who && e.event.value.online === online,
    );
  return { events, ended, sees, close: () => (call.cancel(), client.close()) };
}

/** A peer that goes silent without closing: only gRPC keepalive can tell, and it must, within its configured time. */
describe('a chat peer that goes silent without closing', () => {
  let chat: ServiceProcess | undefined;
  let relay: SilentRelay | undefined;
  const members: ReturnType<typeof member>[] = [];

  afterEach(async () => {
    for (const m of members.splice(0)) m.close();
    await relay?.close();
    await chat?.stop();
  });

  it('is found by the server’s keepalive: the member leaves the room within KEEPALIVE_TIME_MS + KEEPALIVE_TIMEOUT_MS', async () => {
    const [timeMs, timeoutMs] = [1_000, 1_000];
    chat = await spawnService('chat', {
      env: { KEEPALIVE_TIME_MS: String(timeMs), KEEPALIVE_TIMEOUT_MS: String(timeoutMs) },
    });
    relay = await startSilentRelay(chat.address);
    const bob = member(chat.address, 'bob');
    // The client's own keepalive waits far longer: only the server can find the silence first.
    const ann = member(relay.address, 'ann', { timeMs: 600_000, timeoutMs: 600_000 });
    members.push(bob, ann);
    await eventually(() => bob.sees('ann', true), { what: 'bob seeing ann join' });

    relay.silence();
    const silencedAt = Date.now();
    await eventually(() => bob.sees('ann', false), {
      what: 'ann leaving',
      timeoutMs: 2 * (timeMs + timeoutMs) + SLACK_MS,
    });
    const tookMs = Date.now() - silencedAt;
    console.info(`keepalive: the server dropped a silent member after ${tookMs} ms`);
    expect(tookMs).toBeLessThanOrEqual(timeMs + timeoutMs + SLACK_MS);
  }, 30_000);

  it('is found by the client’s keepalive: its call ends UNAVAILABLE within grpc.keepalive_time_ms + grpc.keepalive_timeout_ms', async () => {
    const [timeMs, timeoutMs] = [1_000, 1_000];
    // The server's keepalive waits far longer: only the client can find the silence first.
    chat = await spawnService('chat', {
      env: { KEEPALIVE_TIME_MS: '600000', KEEPALIVE_TIMEOUT_MS: '600000' },
    });
    relay = await startSilentRelay(chat.address);
    const bob = member(chat.address, 'bob');
    const ann = member(relay.address, 'ann', { timeMs, timeoutMs });
    members.push(bob, ann);
    await eventually(() => bob.sees('ann', true), { what: 'bob seeing ann join' });

    relay.silence();
    const silencedAt = Date.now();
    const ending = await ann.ended;
    const tookMs = Date.now() - silencedAt;
    console.info(`keepalive: the client ended its call to a silent server after ${tookMs} ms`);
    expect(ending.code).toBe(status.UNAVAILABLE);
    expect(tookMs).toBeLessThanOrEqual(timeMs + timeoutMs + SLACK_MS);
  }, 30_000);
});
