import { accessSync, constants } from 'node:fs';

/** Where an app's Redis is and how to trust it: REDIS_URL (credentials included) and REDIS_TLS_CA_FILE. */
export interface RedisConnection {
  /** redis://[user:password@]host:port[/db], or rediss:// for TLS. */
  readonly url: string;
  /** For rediss://: the CA that the server's certificate must chain to; without it, the system's. */
  readonly caFile?: string;
}

/** The part of the apps' EnvReader that reading a connection needs. */
export interface ConnectionSettings {
  optionalUrl(name: string, protocols: readonly string[]): string | undefined;
  optional(name: string): string | undefined;
  problem(message: string): void;
}

/** REDIS_URL and REDIS_TLS_CA_FILE, or undefined without REDIS_URL; a CA for a plain URL, or one that cannot be read, is a problem. */
export function readRedisConnection(reader: ConnectionSettings): RedisConnection | undefined {
  const url = reader.optionalUrl('REDIS_URL', ['redis:', 'rediss:']);
  const caFile = reader.optional('REDIS_TLS_CA_FILE');
  if (caFile !== undefined) {
    if (url === undefined || !url.startsWith('rediss:')) {
      reader.problem('REDIS_TLS_CA_FILE is set without a rediss:// REDIS_URL');
    } else if (!readable(caFile)) {
      reader.problem(`REDIS_TLS_CA_FILE=${caFile} cannot be read`);
    }
  }
  if (url === undefined) return undefined;
  return caFile === undefined ? { url } : { url, caFile };
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
