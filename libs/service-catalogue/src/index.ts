export * from './lib/catalogue';
export { portsInUse, replicaPorts, type ReplicaNumbering } from './lib/ports';
