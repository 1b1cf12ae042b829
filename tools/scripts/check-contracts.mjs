#!/usr/bin/env node
// `nx lint proto` runs this: buf lint, then whether libs/proto is what proto/ generates, then
// buf breaking against main (contracts-base.mjs: the merge base, or CONTRACTS_BASE), so that a
// change that would break clients of a published contract fails CI. A contract that
// must change incompatibly gets a new version instead (chat.v2 beside chat.v1).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractsBase } from './contracts-base.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const step = (what, command, args) => {
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) {
    console.error(`contracts: ${what} failed`);
    process.exit(1);
  }
};

step('buf lint', buf, ['lint']);
step('the generated code check', process.execPath, [
  join(root, 'tools/scripts/generate-proto.mjs'),
  '--check',
]);

const base = contractsBase();
if (!base) {
  console.log("contracts: no main branch or base commit in this clone's history; buf breaking skipped");
} else {
  step(`buf breaking against ${base.ref}`, buf, ['breaking', '--against', `.git#ref=${base.commit}`]);
  console.log(
    `contracts: lint clean, generated code current, nothing breaking since ${base.ref} (${base.commit.slice(0, 7)})`,
  );
}
