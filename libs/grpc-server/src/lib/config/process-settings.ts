import type { ConsoleLogger, LogLevel } from '@nestjs/common';
import { TracedConsoleLogger } from '@quartet/telemetry';
import type { EnvReader } from './env-reader';

export type LogFormat = 'json' | 'text';
export type LogLevelName = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** HOST and PORT: where a process listens. */
export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** LOG_FORMAT and LOG_LEVEL. */
export interface LogSettings {
  readonly logFormat: LogFormat;
  readonly logLevel: LogLevelName;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]+|\[[0-9A-Fa-f:.]+\])$/;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function readListenAddress(reader: EnvReader, defaultPort: number): ListenAddress {
  return {
    host: reader.string('HOST', '127.0.0.1', HOST, 'a host name or IP address'),
    port: reader.integer('PORT', defaultPort, 0, 65535),
  };
}

export function readLogSettings(reader: EnvReader): LogSettings {
  return {
    logFormat: reader.oneOf<LogFormat>('LOG_FORMAT', 'json', ['json', 'text']),
    logLevel: reader.oneOf<LogLevelName>('LOG_LEVEL', 'log', LOG_LEVELS as LogLevelName[]),
  };
}

/**
 * A logger that writes what LOG_LEVEL lets through, as JSON lines or as text, each line
 * written while a traced call is handled with its trace_id and span_id.
 */
export function processLogger({ logFormat, logLevel }: LogSettings): ConsoleLogger {
  return new TracedConsoleLogger({
    json: logFormat === 'json',
    logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(logLevel) + 1),
  });
}
