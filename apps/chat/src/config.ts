import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';

export interface ChatConfig {
  readonly server: ServerConfig;
  /** CHAT_HISTORY: how many of its latest messages a room keeps for replay. */
  readonly historySize: number;
  /** CHAT_MAX_BACKLOG: how many events may wait for a member that does not read before it is cut off. */
  readonly maxBacklog: number;
  /** CHAT_MAX_ROOMS: how many rooms exist at once; empty ones are forgotten first. */
  readonly maxRooms: number;
}

export const CHAT_DEFAULT_PORT = 50054;
export const CHAT_CONFIG = Symbol('ChatConfig');

/** The chat service's settings from its environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Environment): ChatConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, CHAT_DEFAULT_PORT);
  const historySize = reader.integer('CHAT_HISTORY', 100, 0, 100_000);
  const maxBacklog = reader.integer('CHAT_MAX_BACKLOG', 256, 1, 100_000);
  const maxRooms = reader.integer('CHAT_MAX_ROOMS', 1_000, 1, 1_000_000);
  reader.done();
  return { server, historySize, maxBacklog, maxRooms };
}
