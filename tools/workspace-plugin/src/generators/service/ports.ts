/** The ports of the first gRPC service and the last one this workspace gives out. */
export const FIRST_PORT = 50051;
export const LAST_PORT = 59999;
/** `npm start -- --replicas=N` (tools/scripts/start.mjs) runs replica i of a service on port + 10·i, i < 9. */
export const REPLICA_PORT_STEP = 10;
export const MAX_REPLICAS = 9;

/** Who holds each port, replicas included: `{ 50051: 'greeter', 50061: 'greeter (replica 2)', ... }`. */
export function portsInUse(
  services: readonly { app: string; port: number }[],
  others: Record<string, number>,
): Map<number, string> {
  const used = new Map<number, string>();
  for (const [holder, port] of Object.entries(others)) used.set(port, holder);
  for (const { app, port } of services) {
    for (let replica = 0; replica < MAX_REPLICAS; replica += 1) {
      used.set(port + REPLICA_PORT_STEP * replica, replica === 0 ? app : `${app} (replica ${replica + 1})`);
    }
  }
  return used;
}

/** Why a new service cannot take `port`, counting the ports of its own replicas too. */
export function portProblem(port: number, used: ReadonlyMap<number, string>): string | undefined {
  if (!Number.isInteger(port) || port < 1024 || port > 65535 - REPLICA_PORT_STEP * (MAX_REPLICAS - 1)) {
    return `--port ${port} is not a port a service can take: give a whole number from 1024 to ${65535 - REPLICA_PORT_STEP * (MAX_REPLICAS - 1)}`;
  }
  for (let replica = 0; replica < MAX_REPLICAS; replica += 1) {
    const holder = used.get(port + REPLICA_PORT_STEP * replica);
    if (holder === undefined) continue;
    return replica === 0
      ? `port ${port} is taken by ${holder}`
      : `port ${port} would put replica ${replica + 1} on ${port + REPLICA_PORT_STEP * replica}, which ${holder} has`;
  }
  return undefined;
}

/** The lowest port from FIRST_PORT that the new service and its replicas can all have. */
export function nextFreePort(used: ReadonlyMap<number, string>): number {
  for (let port = FIRST_PORT; port <= LAST_PORT; port += 1) {
    if (!portProblem(port, used)) return port;
  }
  throw new Error(`no free port from ${FIRST_PORT} to ${LAST_PORT}: give one with --port`);
}
