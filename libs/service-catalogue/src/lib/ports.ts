import type { Catalogue } from './catalogue';

/** How a service's replicas are numbered: the catalogue's replicaPortStep and maxReplicas. */
export type ReplicaNumbering = Pick<Catalogue, 'replicaPortStep' | 'maxReplicas'>;

/** The port of each replica (from 0) of a service whose first replica listens on `port`. */
export function replicaPorts(port: number, numbering: ReplicaNumbering): number[] {
  return Array.from(
    { length: numbering.maxReplicas },
    (_, replica) => port + numbering.replicaPortStep * replica,
  );
}

/**
 * Who holds each port of a catalogue, replicas included: `{ 50051: 'greeter', 50061: 'greeter
 * (replica 2)', ... }`. A port two holders claim is held by the later one, so a catalogue without
 * clashes has one entry per port.
 */
export function portsInUse(catalogue: Catalogue): ReadonlyMap<number, string> {
  const used = new Map<number, string>([
    [catalogue.gateway.port, catalogue.gateway.app],
    [catalogue.proxy.port, 'the nginx proxy'],
  ]);
  for (const { app, port } of catalogue.services) {
    for (const [replica, replicaPort] of replicaPorts(port, catalogue).entries()) {
      used.set(replicaPort, replica === 0 ? app : `${app} (replica ${replica + 1})`);
    }
  }
  return used;
}
