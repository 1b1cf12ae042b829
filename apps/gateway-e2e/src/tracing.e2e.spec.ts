import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { connect, deadlineIn, eventually, outcomeOf, spawnService } from '@quartet/grpc-testing';
import { GreeterDefinition } from '@quartet/proto';
import { ChatClient } from './chat-client';
import { type GatewayStack, startGatewayStack, type TestGateway } from './fixture';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
import { readEvents } from './sse-client';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

/** A W3C traceparent naming a new trace, as a browser's or another service's tracer would send. */
function newTraceparent(): { traceparent: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** The processes export every 50 ms, to the test's receiver, as OTLP/HTTP JSON. */
const tracingEnv = (endpoint: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '50',
});

describe('tracing across the gateway and the services (OTLP to a receiver in the test)', () => {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-tracing-uploads-'));
  let receiver: OtlpReceiver;
  let stack: GatewayStack;
  let gateway: TestGateway;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    const env = tracingEnv(receiver.endpoint);
    stack = await startGatewayStack(
      {
        greeter: { ...env, LOG_LEVEL: 'debug' },
        ticker: env,
        upload: { ...env, UPLOAD_DIR: uploadDir },
        chat: env,
      },
      env,
    );
    gateway = stack.gateway;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  /** Waits until the trace holds a span matching each description, and returns them in order. */
  async function spansOf(
    traceId: string,
    wanted: Partial<Pick<ReceivedSpan, 'service' | 'name' | 'kind'>>[],
  ): Promise<ReceivedSpan[]> {
    const find = () =>
      wanted.map((want) =>
        receiver
          .trace(traceId)
          .find((span) =>
            Object.entries(want).every(([key, value]) => span[key as keyof ReceivedSpan] === value),
          ),
      );
    await eventually(() => find().every(Boolean), {
      what: `spans ${JSON.stringify(wanted)} of trace ${traceId}; got ${JSON.stringify(receiver.trace(traceId).map((s) => `${s.service}:${s.name}`))}`,
      timeoutMs: 10_000,
    });
    return find() as ReceivedSpan[];
  }

  /** The three spans of one hop: the gateway's HTTP route, its gRPC client call, and the service's server span. */
  const hopSpans = (traceId: string, route: string, service: string, method: string) =>
    spansOf(traceId, [
      { service: 'gateway', name: route, kind: SERVER },
      { service: 'gateway', name: `grpc.${method}`, kind: CLIENT },
      { service, name: `grpc.${method}`, kind: SERVER },
    ]);

  it('says in its listening line that tracing is on', () => {
    for (const process of [...Object.values(stack.services), gateway.process]) {
      expect(process.listening).toMatchObject({ tracing: 'on' });
    }
  });

  it('gives GET /api/hello one trace: the gateway’s HTTP span, its gRPC client span, the greeter’s server span', async () => {
    const { traceparent, traceId, parentId } = newTraceparent();
    const response = await gateway.fetch('/api/hello?name=traced', { headers: { traceparent } });
    expect(response.status).toBe(200);

    const [http, handler, client, server] = await spansOf(traceId, [
      { service: 'gateway', name: 'GET /api/hello', kind: SERVER },
      { service: 'gateway', name: 'handler - helloworld.Greeter/SayHello' },
      { service: 'gateway', name: 'grpc.helloworld.Greeter/SayHello', kind: CLIENT },
      { service: 'greeter', name: 'grpc.helloworld.Greeter/SayHello', kind: SERVER },
    ]);
    expect(http.parentSpanId).toBe(parentId);
    expect(handler.parentSpanId).toBe(http.spanId);
    expect(client.parentSpanId).toBe(handler.spanId);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(http.attributes).toMatchObject({ 'http.route': '/api/hello', 'http.response.status_code': 200 });
    expect(client.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'helloworld.Greeter',
      'rpc.method': 'SayHello',
      'rpc.grpc.status_code': 0,
    });
    expect(server.attributes).toMatchObject({ 'rpc.grpc.status_code': 0 });
  });

  it('marks a failed call’s spans with its gRPC status, and its log lines carry the trace id', async () => {
    const { traceparent, traceId } = newTraceparent();
    const response = await gateway.fetch('/api/hello?name=', { headers: { traceparent } });
    expect(response.status).toBe(400);

    const [http, client, server] = await hopSpans(
      traceId,
      'GET /api/hello',
      'greeter',
      'helloworld.Greeter/SayHello',
    );
    expect(http.attributes['http.response.status_code']).toBe(400);
    expect(client.statusCode).toBe(ERROR);
    expect(server.statusCode).toBe(ERROR);
    expect(server.attributes).toMatchObject({
      'rpc.grpc.status_code': 3,
      'grpc.error_message': 'name must not be empty',
    });

    // The gateway's access log and the greeter's line for the call (LOG_LEVEL=debug here).
    await eventually(
      () =>
        gateway.process.logs.some(
          (entry) =>
            entry['trace_id'] === traceId &&
            entry['context'] === 'access' &&
            (entry['message'] as { status?: number }).status === 400,
        ),
      { what: 'the access-log line of the failed request, with its trace id' },
    );
    const access = gateway.process.logs.find(
      (entry) => entry['trace_id'] === traceId && entry['context'] === 'access',
    );
    expect(access).toMatchObject({
      span_id: http.spanId,
      message: { event: 'http-request', method: 'GET', route: '/api/hello', status: 400 },
    });
    await eventually(
      () => stack.services['greeter']?.logs.some((entry) => entry['trace_id'] === traceId) === true,
      {
        what: 'the greeter’s log line of the failed call, with its trace id',
      },
    );
    const line = stack.services['greeter']?.logs.find((entry) => entry['trace_id'] === traceId);
    expect(line).toMatchObject({ span_id: server.spanId, message: { code: 'INVALID_ARGUMENT' } });
  });

  it('gives an SSE ticker stream a connected trace, each tick an event on the ticker’s span', async () => {
    const { traceparent, traceId } = newTraceparent();
    const response = await gateway.fetch('/api/ticker/ACME?count=3&intervalMs=1', {
      headers: { traceparent },
    });
    expect((await readEvents(response)).filter((event) => event.event === 'message')).toHaveLength(3);

    const [http, client, server] = await hopSpans(
      traceId,
      'GET /api/ticker/:symbol',
      'ticker',
      'ticker.v1.TickerService/Watch',
    );
    expect(http.attributes['http.response.status_code']).toBe(200);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(server.events.filter((name) => name === 'tick')).toHaveLength(3);
  });

  it('gives an upload a connected trace, each chunk an event on the upload’s span', async () => {
    const { traceparent, traceId } = newTraceparent();
    const response = await gateway.fetch('/api/uploads?name=traced.bin', {
      method: 'POST',
      body: randomBytes(1024),
      headers: { traceparent, 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(201);

    const [http, client, server] = await hopSpans(
      traceId,
      'POST /api/uploads',
      'upload',
      'upload.v1.UploadService/Upload',
    );
    expect(http.attributes['http.response.status_code']).toBe(201);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(server.events).toContain('chunk');
  });

  it('gives a chat session a connected trace: the session, its call, and a span per post with its fan-out', async () => {
    const { traceparent, traceId, parentId } = newTraceparent();
    const member = await ChatClient.open(`${gateway.url.replace('http', 'ws')}/api/chat?room=traced`, {
      ...(await gateway.signedIn('tracy')),
      traceparent,
    });
    member.send({ type: 'post', text: 'traced hello', clientId: 'traced-1' });
    await member.next((frame) => frame.type === 'message' && frame.text === 'traced hello');
    member.close();
    await member.closedWith();

    const [session, relayed, client, server, joined, posted] = await spansOf(traceId, [
      { service: 'gateway', name: 'GET /api/chat', kind: SERVER },
      { service: 'gateway', name: 'chat.post' },
      { service: 'gateway', name: 'grpc.chat.v1.ChatService/Chat', kind: CLIENT },
      { service: 'chat', name: 'grpc.chat.v1.ChatService/Chat', kind: SERVER },
      { service: 'chat', name: 'chat.join' },
      { service: 'chat', name: 'chat.post' },
    ]);
    expect(session.parentSpanId).toBe(parentId);
    expect(session.attributes).toMatchObject({ 'chat.room': 'traced', 'http.response.status_code': 101 });
    expect(relayed.parentSpanId).toBe(session.spanId);
    expect(client.parentSpanId).toBe(session.spanId);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(joined.parentSpanId).toBe(server.spanId);
    expect(joined.attributes).toMatchObject({ 'chat.room': 'traced', 'chat.user': 'tracy' });
    expect(posted.parentSpanId).toBe(server.spanId);
    expect(posted.attributes).toMatchObject({
      'chat.room': 'traced',
      'chat.client_id': 'traced-1',
      'chat.stored': true,
      'chat.fan_out': 1,
    });
  });

  it('sends nothing from a process whose tracing is off, and turns it off with nothing set', async () => {
    const disabled = await spawnService('greeter', {
      env: { ...tracingEnv(receiver.endpoint), OTEL_SDK_DISABLED: 'true', OTEL_SERVICE_NAME: 'greeter-off' },
    });
    const unset = await spawnService('greeter', { env: { OTEL_SERVICE_NAME: 'greeter-unset' } });
    try {
      for (const process of [disabled, unset]) {
        expect(process.listening).toMatchObject({ tracing: 'off' });
      }
      const client = connect(GreeterDefinition, disabled.address);
      const { status } = await outcomeOf((done) =>
        client.sayHello({ name: 'untraced' }, new Metadata(), deadlineIn(), done),
      );
      client.close();
      expect(status.code).toBe(0);
      // A traced call made after it: once its spans have arrived, the untraced one's would have.
      const { traceparent, traceId } = newTraceparent();
      await gateway.fetch('/api/hello?name=after', { headers: { traceparent } });
      await spansOf(traceId, [{ service: 'greeter', kind: SERVER }]);
      expect(receiver.spans.filter((span) => span.service.startsWith('greeter-'))).toEqual([]);
      expect(receiver.rejected).toEqual([]);
    } finally {
      await Promise.all([disabled.stop(), unset.stop()]);
    }
  });
});
