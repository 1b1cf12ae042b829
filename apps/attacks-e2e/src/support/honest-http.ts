import { request } from 'node:http';
import WebSocket from 'ws';
import type { Stack } from './stack';

/** The honest client's own loopback address: per-address limits that hit the attacker (127.0.0.1) spare it. */
export const HONEST_ADDRESS = '127.0.0.2';

/** GET `url` from the honest address, signed in as `authorization`; resolves with the status and the whole body. */
export function honestGet(url: string, authorization?: string): Promise<{ status: number; body: string }> {
  const headers = authorization ? { authorization } : {};
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { localAddress: HONEST_ADDRESS, timeout: 5_000, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 5 s')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** An honest greeting through the gateway; rejects unless it is the right answer. */
export async function honestHello(stack: Stack): Promise<void> {
  const { status, body } = await honestGet(`${stack.gatewayUrl}/api/hello?name=honest`, stack.honest);
  if (status !== 200 || JSON.parse(body).message !== 'Hello honest')
    throw new Error(`hello: ${status} ${body}`);
}

/** An honest chat member: joins from the honest address, posts, and waits to see its post. */
export function honestChat(stack: Stack, room: string): Promise<void> {
  const socket = new WebSocket(
    `${stack.gatewayUrl.replace('http', 'ws')}/api/chat?room=${room}&user=honest`,
    {
      localAddress: HONEST_ADDRESS,
      headers: { authorization: stack.honest },
    },
  );
  const text = `honest ${Math.random()}`;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no echo of the post within 5 s')), 5_000);
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'post', text })));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; text?: string };
      if (frame.type === 'message' && frame.text === text) {
        clearTimeout(timer);
        resolve();
      }
    });
  }).finally(() => socket.close());
}

/** The value of one series in the gateway's Prometheus text, 0 when it does not exist yet. */
export async function metric(stack: Stack, series: string): Promise<number> {
  const { body } = await honestGet(stack.metricsUrl);
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
