import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

export interface WebAsset {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Scripts, styles and connections from this origin only: even text that slipped through
 * unescaped could not run a script or send data elsewhere. `'self'` covers the page's own
 * WebSocket (CSP Level 3).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The built web page (`nx build web`), read into memory at start: a handful of small
 * files, served by exact name only, so that no request path ever reaches the file system.
 */
@Injectable()
export class WebPage {
  private readonly assets = new Map<string, WebAsset>();

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    if (!existsSync(join(config.webRoot, 'index.html'))) {
      new Logger(WebPage.name).warn({
        event: 'web-page-missing',
        webRoot: config.webRoot,
        hint: 'run `npx nx build web` (or `npx nx build gateway`, which builds it first)',
      });
      return;
    }
    for (const name of readdirSync(config.webRoot)) {
      const path = join(config.webRoot, name);
      if (!statSync(path).isFile()) continue;
      const body = readFileSync(path);
      const html = name.endsWith('.html');
      this.assets.set(name, {
        body,
        headers: {
          'content-type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
          // index.html names the hashed bundles of its build, so it is checked every time;
          // the bundles themselves never change under a name.
          'cache-control': html ? 'no-cache' : 'public, max-age=31536000, immutable',
          'x-content-type-options': 'nosniff',
          ...(html
            ? { 'content-security-policy': CONTENT_SECURITY_POLICY, 'referrer-policy': 'no-referrer' }
            : {}),
        },
      });
    }
  }

  /** The file of that exact name, if the build made one. */
  asset(name: string): WebAsset | undefined {
    return this.assets.get(name);
  }
}
