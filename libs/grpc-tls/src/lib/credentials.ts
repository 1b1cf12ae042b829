import { type ChannelCredentials, experimental, type ServerCredentials } from '@grpc/grpc-js';
import { CertificateFiles, type ReloadEvent } from './certificate-files';

/** A service's TLS: its certificate and key, and the CA its clients' certificates must chain to. */
export interface ServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, every client must present a certificate this CA issued (mTLS). */
  readonly clientCaFile?: string;
  readonly reloadMs: number;
}

/** A client's TLS: the CA that issued the servers' certificates, and its own for mTLS. */
export interface ClientTls {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly reloadMs: number;
  /**
   * The name the servers' certificates must hold, when it is not the target's host: an IP
   * address, or a name behind a proxy. Also sent as SNI, which may not be an IP address.
   */
  readonly serverName?: string;
}

/**
 * Server credentials that follow the files on disk. One provider serves as both the identity
 * and the CA source, so grpc-js's order of those two parameters cannot mix them up.
 */
export function tlsServerCredentials(
  tls: ServerTls,
  onReload?: (event: ReloadEvent) => void,
): ServerCredentials {
  const files = new CertificateFiles(
    { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.clientCaFile, reloadMs: tls.reloadMs },
    onReload,
  );
  const mutual = tls.clientCaFile !== undefined;
  return experimental.createCertificateProviderServerCredentials(files, mutual ? files : null, mutual);
}

/** Channel credentials that follow the files on disk: each new connection uses the newest. */
export function tlsChannelCredentials(
  tls: ClientTls,
  onReload?: (event: ReloadEvent) => void,
): ChannelCredentials {
  const files = new CertificateFiles(tls, onReload);
  const identity = tls.certFile !== undefined ? files : null;
  return experimental.createCertificateProviderChannelCredentials(files, identity);
}
