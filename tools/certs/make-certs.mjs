// `npm run certs [-- <dir>]`: a development CA with server and client certificates, in certs/ by default.
import { resolve } from 'node:path';
import certificates from './certificates.cjs';

const dir = resolve(process.argv[2] ?? 'certs');
const made = certificates.makeDevelopmentCertificates(dir);
for (const [role, pair] of Object.entries(made))
  console.log(`${role.padEnd(6)} ${pair.certFile}  ${pair.keyFile}`);
