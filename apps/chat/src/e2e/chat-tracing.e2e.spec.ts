import { startTracing, stopTracing } from '@quartet/telemetry';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CHAT_STORES, StoreUnderTest, testChatConfig } from './chat-stores';
import { ChatUnderTest } from './chat-under-test';

// Spans to memory, in this process: what the chat service itself adds to a call's trace.
const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor(exporter);
beforeAll(() => startTracing({ serviceName: 'chat', spanProcessors: [processor] }, {}));
afterAll(() => stopTracing());

describe.each(CHAT_STORES)('chat spans, rooms %s', (kind) => {
  const store = new StoreUnderTest(kind);
  let chat: ChatUnderTest;

  beforeAll(async () => {
    chat = await ChatUnderTest.start(await store.configure(testChatConfig()));
  });

  afterAll(async () => {
    await chat.stop();
    await store.stop();
  });

  it('gives each join and post a span, the post with its fan-out; a resend is not stored again', async () => {
    const room = kind === 'in memory' ? 'traced-memory' : 'traced-redis';
    const join = (user: string) => chat.join(user, room);
    const ann = join('ann');
    await ann.until((e) => e.event?.$case === 'joined', 'joined');
    join('bob');
    join('cyd');
    await ann.untilPresence('bob', true);
    await ann.untilPresence('cyd', true);
    ann.post('hello', 'c-1');
    ann.post('hello', 'c-1');
    await ann.untilMessage(1n);
    await ann.until(
      (e) => e.event?.$case === 'message' && ann.messages().length === 2,
      'the resend’s answer',
    );
    await processor.forceFlush();

    const spans = exporter.getFinishedSpans().filter((span) => span.attributes['chat.room'] === room);
    expect(
      spans
        .filter((span) => span.name === 'chat.join')
        .map((span) => span.attributes['chat.user'])
        .sort(),
    ).toEqual(['ann', 'bob', 'cyd']);
    expect(
      spans
        .filter((span) => span.name === 'chat.post')
        .map((span) => [span.attributes['chat.stored'], span.attributes['chat.fan_out']]),
    ).toEqual([
      [true, 3],
      [false, 1],
    ]);
  });
});
