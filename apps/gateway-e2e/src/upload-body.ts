import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/**
 * Streams `totalBytes` of a request body as fast as the gateway takes them and resolves
 * with how many it took once it stopped taking more for a second (or took them all).
 */
export function pushUntilStalled(
  url: string,
  totalBytes: number,
  signedIn: Record<string, string>,
): Promise<{ accepted: number; abort(): void; status: Promise<number | undefined> }> {
  const chunk = randomBytes(64 * 1024);
  const body = request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...signedIn },
  });
  const status = new Promise<number | undefined>((resolve) => {
    body.once('response', (response) => resolve(response.statusCode));
    body.once('error', () => resolve(undefined));
  });
  let accepted = 0;
  return new Promise((resolve) => {
    let lastProgress = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > 1_000 || accepted >= totalBytes) {
        clearInterval(watchdog);
        resolve({ accepted, abort: () => body.destroy(), status });
      }
    }, 100);
    const pump = () => {
      while (accepted < totalBytes) {
        accepted += chunk.length;
        lastProgress = Date.now();
        if (!body.write(chunk)) return void body.once('drain', pump);
      }
    };
    pump();
  });
}
