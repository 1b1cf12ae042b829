import { S3Client } from '@aws-sdk/client-s3';
import type { ChildProcess } from 'node:child_process';
import { startProcess } from './start-process';

/** The credentials the S3-compatible test server takes. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3ServerOptions {
  /** Where it keeps buckets and objects, as plain files. */
  readonly dir: string;
  /** Buckets made at start. */
  readonly buckets: readonly string[];
  /** 127.0.0.1 unless given; a loopback address in any case. */
  readonly host?: string;
}

/** An S3-compatible server that has said it listens. */
export interface S3Server {
  readonly child: ChildProcess;
  /** `http://host:port`, for AWS_ENDPOINT_URL_S3 with path-style addresses. */
  readonly endpoint: string;
  /** The variables an AWS SDK client reads to use it (with S3_FORCE_PATH_STYLE=true). */
  readonly env: Readonly<Record<string, string>>;
  /** A client of its own, as a test reads and changes what the service under test stored; the caller destroys it. */
  client(): S3Client;
  /** SIGTERM, SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver (the npm `@20minutes/s3rver`, a maintained fork of `s3rver`) on a free port of
 * a loopback address: a real HTTP server that speaks S3's REST API and keeps objects as files.
 * It has no AbortMultipartUpload, ListParts or lifecycle rules, and is run without checking
 * signatures
 * (docs/uploads.md says what that leaves untested).
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const host = options.host ?? '127.0.0.1';
  // The package ships its command line as a module, without the bin script its manifest names.
  const cli = require.resolve('@20minutes/s3rver/lib/cli.js');
  const {
    child,
    value: port,
    stop,
  } = await startProcess({
    name: 's3rver',
    command: process.execPath,
    args: [
      '-e',
      'require(process.argv[1]).parseAsync(["", "", ...process.argv.slice(2)])',
      '--',
      cli,
      '--directory',
      options.dir,
      '--address',
      host,
      '--port',
      '0',
      '--silent',
      // It signs bucket-level paths without the trailing "/" that AWS SDK v3 signs: it would
      // refuse every HeadBucket and ListObjectsV2. The access key must still be its own.
      '--allowMismatchedSignatures',
      ...options.buckets.flatMap((bucket) => ['--configure-bucket', bucket]),
    ],
    ready: (line) => {
      const listening = /S3rver listening on .*:(\d+)$/.exec(line);
      return listening ? Number(listening[1]) : undefined;
    },
    startTimeoutMs: 20_000,
  });
  const endpoint = `http://${host}:${port}`;
  return {
    child,
    endpoint,
    client: () =>
      new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: S3_TEST_CREDENTIALS,
        // It knows none of the newer flexible checksums.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
    stop: async () => void (await stop('SIGTERM', 5_000)),
  };
}
