export {
  CertificateFiles,
  logReloads,
  type CertificatePaths,
  type ReloadEvent,
} from './lib/certificate-files';
export {
  tlsChannelCredentials,
  tlsServerCredentials,
  type ClientTls,
  type ServerTls,
} from './lib/credentials';
