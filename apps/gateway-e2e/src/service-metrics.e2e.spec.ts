import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { fourStyles, type ServiceProcess, succeeds } from '@quartet/grpc-testing';
import { type Backend, sample, spawnBackends, stopAll } from './fixture';

/** A service's GET /metrics, at the address its `listening` line names. */
async function scrape(service: ServiceProcess | undefined): Promise<string> {
  const { metricsAddress } = service?.listening as { metricsAddress: string };
  const response = await fetch(`http://${metricsAddress}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

const series = (type: string, service: string, method: string, code?: string) =>
  `{grpc_type="${type}",grpc_service="${service}",grpc_method="${method}"${code ? `,grpc_code="${code}"` : ''}}`;

describe('service metrics on METRICS_PORT, after real calls of each style', () => {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-metrics-uploads-'));
  let services: Record<Backend, ServiceProcess>;
  let calls: ReturnType<typeof fourStyles>;

  beforeAll(async () => {
    const metrics = { METRICS_PORT: '0' };
    services = await spawnBackends({
      greeter: metrics,
      ticker: metrics,
      upload: { ...metrics, UPLOAD_DIR: uploadDir },
      chat: metrics,
    });
    const address = (backend: Backend) => services[backend]?.address ?? '';
    calls = fourStyles({
      greeter: address('greeter'),
      ticker: address('ticker'),
      upload: address('upload'),
      chat: address('chat'),
    });
  }, 60_000);

  afterAll(async () => {
    calls?.close();
    await stopAll(services ?? {});
    rmSync(uploadDir, { recursive: true, force: true });
  });

  it('counts unary calls by code, in go-grpc-prometheus names, with their handling time', async () => {
    await succeeds(calls.calls.greeter);
    await succeeds(calls.calls.greeter);
    // A call refused by a limit: its metadata is over MAX_METADATA_BYTES (8 KiB).
    const oversized = new Metadata();
    oversized.set('x-padding', 'x'.repeat(9_000));
    expect((await calls.calls.greeter(oversized)).code).toBe(status.RESOURCE_EXHAUSTED);

    const text = await scrape(services['greeter']);
    const sayHello = (code?: string) => series('unary', 'helloworld.Greeter', 'SayHello', code);
    expect(sample(text, `grpc_server_started_total${sayHello()}`)).toBe(3);
    expect(sample(text, `grpc_server_handled_total${sayHello('OK')}`)).toBe(2);
    expect(sample(text, `grpc_server_handled_total${sayHello('ResourceExhausted')}`)).toBe(1);
    expect(sample(text, `grpc_server_msg_received_total${sayHello()}`)).toBe(2);
    expect(sample(text, `grpc_server_msg_sent_total${sayHello()}`)).toBe(2);
    expect(sample(text, `grpc_server_handling_seconds_count${sayHello()}`)).toBe(3);
    expect(sample(text, 'grpc_server_limit_refusals_total{limit="metadata_size"}')).toBe(1);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });

  it('counts a server stream’s messages and the ticker’s own figures', async () => {
    await succeeds(calls.calls.ticker);
    const text = await scrape(services['ticker']);
    const watch = series('server_stream', 'ticker.v1.TickerService', 'Watch');
    expect(
      sample(
        text,
        `grpc_server_handled_total${series('server_stream', 'ticker.v1.TickerService', 'Watch', 'OK')}`,
      ),
    ).toBe(1);
    expect(sample(text, `grpc_server_msg_received_total${watch}`)).toBe(1);
    expect(sample(text, `grpc_server_msg_sent_total${watch}`)).toBe(3);
    expect(sample(text, 'ticker_ticks_total')).toBe(3);
    expect(sample(text, 'ticker_open_streams')).toBe(0);
    expect(sample(text, 'ticker_paused_streams')).toBe(0);
  });

  it('counts a client stream’s messages and the upload’s bytes', async () => {
    await succeeds(calls.calls.upload);
    const text = await scrape(services['upload']);
    const upload = series('client_stream', 'upload.v1.UploadService', 'Upload');
    expect(
      sample(
        text,
        `grpc_server_handled_total${series('client_stream', 'upload.v1.UploadService', 'Upload', 'OK')}`,
      ),
    ).toBe(1);
    expect(sample(text, `grpc_server_msg_received_total${upload}`)).toBe(2);
    expect(sample(text, `grpc_server_msg_sent_total${upload}`)).toBe(1);
    expect(sample(text, 'upload_received_bytes_total')).toBe(5);
    expect(sample(text, 'upload_stored_total')).toBe(1);
    expect(sample(text, 'upload_active_uploads')).toBe(0);
    expect(sample(text, 'upload_refusals_total{limit="max_active"}')).toBe(0);
  });

  it('counts a bidi stream’s messages and the chat’s members, rooms and posts', async () => {
    await succeeds(calls.calls.chat);
    const text = await scrape(services['chat']);
    const chat = series('bidi_stream', 'chat.v1.ChatService', 'Chat');
    expect(
      sample(text, `grpc_server_handled_total${series('bidi_stream', 'chat.v1.ChatService', 'Chat', 'OK')}`),
    ).toBe(1);
    expect(sample(text, `grpc_server_msg_received_total${chat}`)).toBe(2);
    // joined and the message (a member is not told of its own presence)
    expect(sample(text, `grpc_server_msg_sent_total${chat}`)).toBe(2);
    expect(sample(text, 'chat_posts_total')).toBe(1);
    expect(sample(text, 'chat_members')).toBe(0);
    expect(sample(text, 'chat_rooms')).toBe(1);
    expect(sample(text, 'chat_members_cut_off_total')).toBe(0);
    expect(sample(text, 'chat_join_refusals_total{limit="room_full"}')).toBe(0);
  });

  it('answers anything but GET /metrics there with a JSON 404', async () => {
    const { metricsAddress } = services['greeter']?.listening as { metricsAddress: string };
    const response = await fetch(`http://${metricsAddress}/`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'only GET /metrics is served here' },
    });
  });
});
