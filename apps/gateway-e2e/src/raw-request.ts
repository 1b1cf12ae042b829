import { request } from 'node:http';

/**
 * One HTTP/1.1 request with its target sent exactly as given (fetch would resolve dot
 * segments and refuse the absolute form); resolves with the status and the body's text.
 */
export function rawRequest(
  url: string,
  method: string,
  target: string,
  { headers = {}, body }: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = request({
      host: hostname,
      port,
      method,
      path: target,
      headers,
      agent: false,
      timeout: 10_000,
    });
    sent.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    sent.on('timeout', () => sent.destroy(new Error(`${method} ${target}: no answer in 10 s`)));
    sent.on('error', reject);
    sent.end(body);
  });
}
