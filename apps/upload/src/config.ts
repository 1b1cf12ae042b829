import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';
import { resolve } from 'node:path';
import { defaultPort } from '@quartet/service-catalogue';
import type { ObjectStoreSettings } from './upload/store/s3-upload-store';

export interface UploadConfig {
  readonly server: ServerConfig;
  /** UPLOAD_DIR: where finished files are stored, each as <id>/<name>. */
  readonly uploadDir: string;
  /** UPLOAD_MAX_BYTES: the largest file accepted. */
  readonly maxFileBytes: number;
  /** UPLOAD_IDLE_MS: how long an upload may send nothing before it is dropped. */
  readonly idleMs: number;
  /** UPLOAD_MIN_FREE_BYTES: uploads are refused, and running ones dropped, below this much free disk. */
  readonly minFreeBytes: number;
  /** UPLOAD_MAX_ACTIVE: how many uploads run at once (each holds an open file, or up to three 5 MiB parts). */
  readonly maxActive: number;
  /** UPLOAD_RETENTION_DAYS: stored files older than this are removed; 0 keeps them. */
  readonly retentionDays: number;
  /** With UPLOAD_BUCKET: files go to this S3-compatible bucket rather than UPLOAD_DIR. */
  readonly objectStore?: ObjectStoreSettings;
}

export const UPLOAD_CONFIG = Symbol('UploadConfig');

/** The upload service's settings from its environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Environment): UploadConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, defaultPort('upload'));
  const uploadDir = resolve(reader.string('UPLOAD_DIR', 'tmp/uploads'));
  const maxFileBytes = reader.integer('UPLOAD_MAX_BYTES', 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER);
  const idleMs = reader.integer('UPLOAD_IDLE_MS', 30_000, 100, 3_600_000);
  const minFreeBytes = reader.integer('UPLOAD_MIN_FREE_BYTES', 256 * 1024 ** 2, 0, Number.MAX_SAFE_INTEGER);
  const maxActive = reader.integer('UPLOAD_MAX_ACTIVE', 32, 1, 10_000);
  const retentionDays = reader.integer('UPLOAD_RETENTION_DAYS', 0, 0, 36_500);
  const objectStore = readObjectStore(reader);
  reader.done();
  return { server, uploadDir, maxFileBytes, idleMs, minFreeBytes, maxActive, retentionDays, objectStore };
}

/**
 * UPLOAD_BUCKET and what only this service reads beside it; the AWS SDK reads the rest of
 * its standard variables itself (AWS_REGION, the credential chain).
 */
function readObjectStore(reader: EnvReader): ObjectStoreSettings | undefined {
  const bucket = reader.optional('UPLOAD_BUCKET');
  const endpoint = reader.optionalUrl('AWS_ENDPOINT_URL_S3', ['http:', 'https:']);
  const forcePathStyle = reader.oneOf('S3_FORCE_PATH_STYLE', 'false', ['true', 'false']) === 'true';
  if (bucket === undefined) return undefined;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    reader.problem(
      `UPLOAD_BUCKET=${JSON.stringify(bucket)} is not a bucket name (3–63 of a-z, 0-9, "." and "-")`,
    );
  }
  return { bucket, forcePathStyle, ...(endpoint === undefined ? {} : { endpoint }) };
}
