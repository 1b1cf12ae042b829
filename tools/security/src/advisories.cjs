#!/usr/bin/env node
// `npm run audit`: npm audit --omit=dev at level high where the registry answers it, and in
// every case the committed advisory list (advisories.json) checked against package-lock.json.
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Orders two versions (major.minor.patch, a pre-release below its release); enough for the
 * plain versions advisories name.
 * @param {string} a
 * @param {string} b
 */
function compareVersions(a, b) {
  const parse = (/** @type {string} */ version) => {
    const [release, pre] = version.split('-', 2);
    return { parts: release.split('.').map(Number), pre: pre !== undefined };
  };
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i += 1) {
    const difference = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return Number(y.pre) - Number(x.pre);
}

const root = join(__dirname, '..', '..', '..');

/**
 * Every package in `lock` (package-lock.json, lockfileVersion 3) at a version an advisory
 * covers: at or above `introduced` and below `firstFixed`. Dev-only packages count when
 * `includeDev`; the runtime ones always do.
 * @param {{ packages: Record<string, { version?: string, dev?: boolean }> }} lock
 * @param {{ package: string, id: string, severity: string, introduced: string, firstFixed: string }[]} advisories
 */
function affectedPackages(lock, advisories, { includeDev = true } = {}) {
  const found = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || !entry.version || (entry.dev && !includeDev)) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    for (const advisory of advisories) {
      if (advisory.package !== name) continue;
      const covered =
        compareVersions(entry.version, advisory.introduced) >= 0 &&
        compareVersions(entry.version, advisory.firstFixed) < 0;
      if (covered) {
        found.push({ path, version: entry.version, ...advisory });
      }
    }
  }
  return found;
}

/** npm audit at level high, or why it could not run (the registry may not serve its endpoint). */
function npmAudit() {
  const result = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    return { ran: false, why: result.stderr.trim().split('\n').pop() };
  }
  // npm prints the registry's refusal as JSON too: `{"message": "405 Method Not Allowed ..."}`.
  if (report.error || report.message) {
    return { ran: false, why: report.message || report.error?.summary || 'the registry refused' };
  }
  const { high = 0, critical = 0 } = report.metadata?.vulnerabilities ?? {};
  return { ran: true, highOrCritical: high + critical };
}

function main() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const { advisories } = JSON.parse(readFileSync(join(__dirname, 'advisories.json'), 'utf8'));
  let failed = false;
  for (const hit of affectedPackages(lock, advisories, { includeDev: false })) {
    console.error(`${hit.path}@${hit.version}: ${hit.id} (${hit.severity}), fixed in ${hit.firstFixed}`);
    failed ||= hit.severity === 'high' || hit.severity === 'critical';
  }
  const audit = npmAudit();
  if (!audit.ran) console.warn(`npm audit did not run (${audit.why}); the committed list was checked`);
  else if (audit.highOrCritical > 0) {
    console.error(`npm audit: ${audit.highOrCritical} high or critical advisories`);
    failed = true;
  }
  if (failed) process.exit(1);
  console.log('no known high advisory in the runtime dependencies');
}

if (require.main === module) main();

module.exports = { affectedPackages, compareVersions };
