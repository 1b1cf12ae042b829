// `npm run certs [-- <dir>]`: a development CA with server and client certificates, in certs/ by default.
import { resolve } from 'node:path';
import { makeDevelopmentCertificates } from '@quartet/certificates';

const dir = resolve(process.argv[2] ?? 'certs');
for (const [role, pair] of Object.entries(makeDevelopmentCertificates(dir)))
  console.log(`${role.padEnd(6)} ${pair.certFile}  ${pair.keyFile}`);
