import { type Catalogue, portsInUse, type ReplicaNumbering, replicaPorts } from '@quartet/service-catalogue';

/** The ports of the first gRPC service and the last one this workspace gives out. */
export const FIRST_PORT = 50051;
export const LAST_PORT = 59999;

/** Who holds which port, and how replicas are numbered. */
export interface PortMap {
  readonly used: ReadonlyMap<number, string>;
  readonly numbering: ReplicaNumbering;
}

export function portMap(catalogue: Catalogue): PortMap {
  return { used: portsInUse(catalogue), numbering: catalogue };
}

/** Why a new service cannot take `port`, counting the ports of its own replicas too. */
export function portProblem(port: number, { used, numbering }: PortMap): string | undefined {
  const highest = 65535 - (replicaPorts(0, numbering).at(-1) ?? 0);
  if (!Number.isInteger(port) || port < 1024 || port > highest) {
    return `--port ${port} is not a port a service can take: give a whole number from 1024 to ${highest}`;
  }
  for (const [replica, replicaPort] of replicaPorts(port, numbering).entries()) {
    const holder = used.get(replicaPort);
    if (holder === undefined) continue;
    return replica === 0
      ? `port ${port} is taken by ${holder}`
      : `port ${port} would put replica ${replica + 1} on ${replicaPort}, which ${holder} has`;
  }
  return undefined;
}

/** The lowest port from FIRST_PORT that the new service and its replicas can all have. */
export function nextFreePort(ports: PortMap): number {
  for (let port = FIRST_PORT; port <= LAST_PORT; port += 1) {
    if (!portProblem(port, ports)) return port;
  }
  throw new Error(`no free port from ${FIRST_PORT} to ${LAST_PORT}: give one with --port`);
}
