#!/usr/bin/env node
// The commit `buf breaking` compares the contracts against: CONTRACTS_BASE when set (any git
// ref), else where this branch left main (its merge base with origin/main, or main), so that a
// branch is checked against main whatever its number of commits. On main itself that is the
// commit before this one. Printed when run: `nx lint-contracts proto` hashes it as an input,
// so a new base runs the check again.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const git = (...args) => {
  const { status, stdout } = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return status === 0 ? stdout.trim() : undefined;
};
const commitOf = (ref) => git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);

/** `{ ref, commit }` to compare against, or undefined when this clone has no such history. */
export function contractsBase() {
  if (process.env.CONTRACTS_BASE) {
    const commit = commitOf(process.env.CONTRACTS_BASE);
    return commit ? { ref: process.env.CONTRACTS_BASE, commit } : undefined;
  }
  const head = commitOf('HEAD');
  for (const main of ['origin/main', 'main']) {
    const mergeBase = commitOf(main) && git('merge-base', 'HEAD', main);
    if (!mergeBase) continue;
    if (mergeBase !== head) return { ref: `the merge base with ${main}`, commit: mergeBase };
    const parent = commitOf('HEAD~1');
    return parent ? { ref: `${main}'s previous commit`, commit: parent } : undefined;
  }
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(contractsBase()?.commit ?? 'none');
}
