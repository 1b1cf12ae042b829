import type { Catalogue } from '@quartet/service-catalogue';

/** The ports of the first gRPC service and the last one this workspace gives out. */
export const FIRST_PORT = 50051;
export const LAST_PORT = 59999;

/** Who holds which port, and how replicas are numbered (the catalogue's replicaPortStep and maxReplicas). */
export interface PortMap {
  readonly used: ReadonlyMap<number, string>;
  readonly step: number;
  readonly replicas: number;
}

/** Who holds each port, replicas included: `{ 50051: 'greeter', 50061: 'greeter (replica 2)', ... }`. */
export function portsInUse(catalogue: Catalogue): PortMap {
  const { replicaPortStep: step, maxReplicas: replicas } = catalogue;
  const used = new Map<number, string>([
    [catalogue.gateway.port, 'gateway'],
    [catalogue.proxy.port, 'the nginx proxy'],
  ]);
  for (const { app, port } of catalogue.services) {
    for (let replica = 0; replica < replicas; replica += 1) {
      used.set(port + step * replica, replica === 0 ? app : `${app} (replica ${replica + 1})`);
    }
  }
  return { used, step, replicas };
}

/** Why a new service cannot take `port`, counting the ports of its own replicas too. */
export function portProblem(port: number, { used, step, replicas }: PortMap): string | undefined {
  const highest = 65535 - step * (replicas - 1);
  if (!Number.isInteger(port) || port < 1024 || port > highest) {
    return `--port ${port} is not a port a service can take: give a whole number from 1024 to ${highest}`;
  }
  for (let replica = 0; replica < replicas; replica += 1) {
    const holder = used.get(port + step * replica);
    if (holder === undefined) continue;
    return replica === 0
      ? `port ${port} is taken by ${holder}`
      : `port ${port} would put replica ${replica + 1} on ${port + step * replica}, which ${holder} has`;
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
