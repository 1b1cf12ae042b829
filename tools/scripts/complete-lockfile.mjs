#!/usr/bin/env node
// Runs after every `npm install` (the root postinstall). The registry our machines reach
// serves only the Linux builds of packages that ship one native binary per platform, so npm
// leaves the other platforms' optional packages out of package-lock.json, and `npm ci` then
// refuses that lock as out of sync. This lists each missing optional package in the lock with
// the os, cpu and libc its name states, so that `npm ci` accepts the lock and skips them by
// platform, as it would with a lock written where the registry serves every platform.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lockPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package-lock.json');
const OS = [
  ['darwin', 'darwin'],
  ['win32', 'win32'],
  ['android', 'android'],
  ['freebsd', 'freebsd'],
  ['openharmony', 'openharmony'],
  ['linux', 'linux'],
];
const CPU = [
  ['arm64', 'arm64'],
  ['aarch64', 'arm64'],
  ['x64', 'x64'],
  ['ia32', 'ia32'],
  ['riscv64', 'riscv64'],
  ['ppc64', 'ppc64'],
  ['s390x', 's390x'],
  ['loong64', 'loong64'],
  ['armv7', 'arm'],
  ['-arm-', 'arm'],
  ['-arm', 'arm'],
];
const stated = (name, table) => table.find(([word]) => name.includes(word) || name.endsWith(word))?.[1];

const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const added = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = path === '' ? `node_modules/${name}` : `${path}/node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[`node_modules/${name}`]) continue;
    const os = stated(name, OS);
    const cpu = stated(name, CPU);
    const filled = { version, optional: true };
    if (os) filled.os = [os];
    if (cpu) filled.cpu = [cpu];
    if (name.includes('musl')) filled.libc = ['musl'];
    else if (os === 'linux') filled.libc = ['glibc'];
    lock.packages[`node_modules/${name}`] = filled;
    added.push(name);
  }
}
if (added.length > 0) {
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`package-lock.json: listed ${added.length} optional packages of other platforms`);
}
