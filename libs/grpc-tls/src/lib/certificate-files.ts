import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { experimental } from '@grpc/grpc-js';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** Where a process finds its certificates; the files may be replaced while it runs. */
export interface CertificatePaths {
  /** PEM certificate chain presented to the peer, with `keyFile`. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** PEM CA bundle the peer's certificate must chain to. */
  readonly caFile?: string;
  /** How often the files are read again to find a rotation. */
  readonly reloadMs: number;
}

/** What a reload found, for the owner's log: new certificates, or files it had to refuse. */
export type ReloadEvent =
  | { readonly outcome: 'rotated'; readonly notAfter: string | undefined }
  | { readonly outcome: 'refused'; readonly reason: string };

interface Loaded {
  readonly bytes: Buffer;
  readonly identity: experimental.IdentityCertificateUpdate | null;
  readonly ca: experimental.CaCertificateUpdate | null;
  readonly notAfter: string | undefined;
}

/**
 * A grpc-js certificate provider over files on disk. Unlike grpc-js's FileWatcherCertificateProvider
 * it reads and checks the files once before serving, so a bad path fails the start with its name
 * instead of every handshake failing later; and a rotation caught half-way (a new certificate
 * beside the old key, as when a Secret's files are swapped one by one) is refused and the last
 * good pair kept until the next read finds them matching.
 */
export class CertificateFiles implements CertificateProvider {
  private current: Loaded;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly paths: CertificatePaths,
    private readonly onReload: (event: ReloadEvent) => void = () => undefined,
  ) {
    if ((paths.certFile === undefined) !== (paths.keyFile === undefined)) {
      throw new Error('a certificate and its private key are set together or not at all');
    }
    this.current = load(paths);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.watch();
    // grpc-js registers its own watcher only after this returns, so the first update waits a tick.
    queueMicrotask(() => this.caListeners.has(listener) && listener(this.current.ca));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.unwatchWhenUnused();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.watch();
    queueMicrotask(() => this.identityListeners.has(listener) && listener(this.current.identity));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.unwatchWhenUnused();
  }

  /** Reads the files now; the timer calls this every `reloadMs` while anything listens. */
  reload(): void {
    let next: Loaded;
    try {
      next = load(this.paths);
    } catch (error) {
      this.onReload({ outcome: 'refused', reason: (error as Error).message });
      return;
    }
    if (next.bytes.equals(this.current.bytes)) return;
    this.current = next;
    this.onReload({ outcome: 'rotated', notAfter: next.notAfter });
    for (const listener of this.caListeners) listener(next.ca);
    for (const listener of this.identityListeners) listener(next.identity);
  }

  private watch(): void {
    this.timer ??= setInterval(() => this.reload(), this.paths.reloadMs).unref();
  }

  private unwatchWhenUnused(): void {
    if (this.caListeners.size > 0 || this.identityListeners.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

function load(paths: CertificatePaths): Loaded {
  const read = (path: string | undefined) => (path === undefined ? undefined : readPem(path));
  const certificate = read(paths.certFile);
  const privateKey = read(paths.keyFile);
  const caCertificate = read(paths.caFile);
  let notAfter: string | undefined;
  if (certificate && privateKey) {
    const leaf = parse(certificate, paths.certFile);
    let key;
    try {
      key = createPrivateKey(privateKey);
    } catch {
      throw new Error(`${paths.keyFile} holds no PEM private key`);
    }
    if (!leaf.checkPrivateKey(key)) {
      throw new Error(`${paths.keyFile} is not the private key of the certificate in ${paths.certFile}`);
    }
    notAfter = leaf.validTo;
  }
  if (caCertificate) parse(caCertificate, paths.caFile);
  return {
    bytes: Buffer.concat([certificate, privateKey, caCertificate].filter((part) => part !== undefined)),
    identity: certificate && privateKey ? { certificate, privateKey } : null,
    ca: caCertificate ? { caCertificate } : null,
    notAfter,
  };
}

function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function parse(pem: Buffer, path: string | undefined): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error(`${path} holds no PEM certificate`);
  }
}

/** The usual handling of reload events: a rotation is news, refused files are a warning. */
export function logReloads(logger: {
  log(message: unknown): void;
  warn(message: unknown): void;
}): (event: ReloadEvent) => void {
  return (event) =>
    event.outcome === 'rotated'
      ? logger.log({ event: 'certificate-rotated', notAfter: event.notAfter })
      : logger.warn({ event: 'certificate-refused', reason: event.reason, kept: 'the previous certificate' });
}
