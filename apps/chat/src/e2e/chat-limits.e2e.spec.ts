import { status } from '@grpc/grpc-js';
import { type RunningGrpcService, startGrpcService } from '@quartet/grpc-server';
import { connect, testServerConfig } from '@quartet/grpc-testing';
import { ChatServiceDefinition, type GrpcClient } from '@quartet/proto';
import { ChatMetrics } from '../chat/chat.metrics';
import { ChatModule } from '../chat/chat.module';
import { ChatSession } from './chat-session';

/** What a flood of joins meets: full rooms, and a cap on members in all rooms together. */
describe('chat limits over gRPC', () => {
  let sut: RunningGrpcService;
  let client: GrpcClient<typeof ChatServiceDefinition>;
  const sessions: ChatSession[] = [];
  const join = (user: string, room: string) => {
    const session = new ChatSession(client, user, room);
    sessions.push(session);
    return session;
  };
  const joined = (session: ChatSession) => session.until((e) => e.event?.$case === 'joined', 'joined');

  beforeAll(async () => {
    const server = testServerConfig();
    sut = await startGrpcService({
      module: ChatModule.forRoot({
        server,
        historySize: 10,
        maxBacklog: 64,
        maxRooms: 10,
        maxMembers: 2,
        maxConnections: 3,
        dedupWindow: 10,
      }),
      services: [ChatServiceDefinition],
      config: server,
    });
    client = connect(ChatServiceDefinition, sut.address);
  });

  afterAll(async () => {
    for (const session of sessions) session.call.cancel();
    client.close();
    await sut.stop();
  });

  it('refuses a member past CHAT_MAX_MEMBERS with RESOURCE_EXHAUSTED, naming the room; the room goes on', async () => {
    const [ann, bob] = [join('ann', 'full'), join('bob', 'full')];
    await Promise.all([joined(ann), joined(bob)]);
    const cyd = join('cyd', 'full');
    expect(await cyd.ended).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: 'room full is full: 2 members',
    });
    ann.post('still here');
    await bob.untilMessage(1n);
    expect(sut.app.get(ChatMetrics).refusals.roomFull).toBe(1);
  });

  it('refuses a call past CHAT_MAX_CONNECTIONS in all rooms, before it joins', async () => {
    await joined(join('dee', 'other'));
    const extra = join('eve', 'another');
    expect(await extra.ended).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: 'the chat service has 3 members connected, its limit; try again later',
    });
    expect(sut.app.get(ChatMetrics).refusals.connections).toBe(1);
  });
});
