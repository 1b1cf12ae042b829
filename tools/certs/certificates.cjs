// Certificates for development and tests, made with the openssl command line: a CA, and
// leaf certificates it signs for servers and clients. `npm run certs` and the TLS tests share it.
const { execFileSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** @typedef {{ certFile: string, keyFile: string }} KeyPair */

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A self-signed certificate authority in `dir`, as `<name>.crt` and `<name>.key`.
 * @param {string} dir
 * @param {string} name
 * @returns {KeyPair}
 */
function makeAuthority(dir, name) {
  mkdirSync(dir, { recursive: true });
  openssl(
    [
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

/**
 * A certificate `authority` signs, good for both ends of a TLS connection, in `dir` as
 * `<name>.crt` and `<name>.key`. `days` below 0 makes one that has already expired.
 * @param {string} dir
 * @param {KeyPair} authority
 * @param {string} name
 * @param {{ hosts?: readonly string[], days?: number }} [options]
 * @returns {KeyPair}
 */
function issueCertificate(
  dir,
  authority,
  name,
  { hosts = ['localhost', '127.0.0.1', '::1'], days = 825 } = {},
) {
  mkdirSync(dir, { recursive: true });
  const names = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`));
  const extensions = join(dir, `${name}.ext`);
  writeFileSync(
    extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${names.join(',')}`,
    ].join('\n'),
  );
  openssl(['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      authority.certFile,
      '-CAkey',
      authority.keyFile,
      '-CAcreateserial',
      '-days',
      String(days),
      '-out',
      `${name}.crt`,
      '-extfile',
      extensions,
    ],
    dir,
  );
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

/**
 * What `npm start -- --tls` runs with: one CA, a server certificate every service presents, and a
 * client certificate the gateway (and you, with grpcurl or Python) presents to them.
 * @param {string} dir
 * @param {readonly string[]} [hosts]
 */
function makeDevelopmentCertificates(dir, hosts) {
  const ca = makeAuthority(dir, 'ca');
  return {
    ca,
    server: issueCertificate(dir, ca, 'server', { hosts }),
    client: issueCertificate(dir, ca, 'client', { hosts: ['quartet-client'] }),
  };
}

module.exports = { issueCertificate, makeAuthority, makeDevelopmentCertificates };
