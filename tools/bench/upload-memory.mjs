#!/usr/bin/env node
// Streams a large file to the built upload service as fast as a grpc-js client can, and
// samples the server process's resident memory while it does: the figure for "bounded
// memory whatever the file's size". Usage: npm run bench:upload-memory -- [MiB=512]
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { listeningEvent, startProcess } from '@quartet/processes';
import { grpcClientConstructor, UploadServiceDefinition } from '@quartet/proto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const mebibytes = Number(process.argv[2] ?? 512);
const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-bench-upload-'));
const upload = await startProcess({
  name: 'the upload service (built by `npx nx build upload`)',
  command: process.execPath,
  args: [join(root, 'dist/apps/upload/main.js')],
  env: { HOST: '127.0.0.1', PORT: '0', UPLOAD_DIR: uploadDir },
  ready: (line) => listeningEvent(line)?.address,
});
const { child: server, value: address } = upload;

const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024;
const baseline = rss();
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);

const client = new (grpcClientConstructor(UploadServiceDefinition))(address, credentials.createInsecure());
const chunk = randomBytes(1024 * 1024);
const digest = createHash('sha256');
const started = performance.now();
const response = await new Promise((resolve, reject) => {
  const call = client.upload(new Metadata(), {}, (error, reply) => (error ? reject(error) : resolve(reply)));
  call.write({
    payload: {
      $case: 'info',
      value: {
        name: 'bench.bin',
        contentType: 'application/octet-stream',
        size: BigInt(mebibytes * 1024 * 1024),
      },
    },
  });
  let sent = 0;
  const pump = () => {
    while (sent < mebibytes) {
      sent += 1;
      digest.update(chunk);
      if (!call.write({ payload: { $case: 'chunk', value: chunk } })) return call.once('drain', pump);
    }
    call.end();
  };
  pump();
});
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
client.close();
await upload.stop();
rmSync(uploadDir, { recursive: true, force: true });

const ok = response.sha256 === digest.digest('hex');
console.log(
  `uploaded ${mebibytes} MiB in ${seconds.toFixed(1)} s (${(mebibytes / seconds).toFixed(0)} MiB/s), sha256 ${ok ? 'matches' : 'DIFFERS'}; ` +
    `upload service RSS ${baseline.toFixed(0)} MiB at rest, ${peak.toFixed(0)} MiB at peak`,
);
process.exit(ok ? 0 : 1);
