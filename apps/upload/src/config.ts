import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';
import { resolve } from 'node:path';
import { defaultPort } from '@quartet/service-catalogue';

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
  /** UPLOAD_MAX_ACTIVE: how many uploads run at once (each holds an open file). */
  readonly maxActive: number;
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
  reader.done();
  return { server, uploadDir, maxFileBytes, idleMs, minFreeBytes, maxActive };
}
