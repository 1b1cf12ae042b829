#!/usr/bin/env node
// `npm test`: the system packages the tests need, the advisory check (`npm run audit`), the
// formatting check (`nx format:check`), lint, typecheck and every test of every project through Nx, then
// one closing line with the total over all projects, `N passed, N failed` (also written to
// reports/test-total.txt). Extra arguments go to `nx run-many`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = { ...process.env, NX_NO_CLOUD: 'true' };
const run = (command, args, options = {}) =>
  spawnSync(command, args, { cwd: root, env, stdio: 'inherit', ...options });

if (run('bash', ['tools/scripts/system-deps.sh']).status !== 0) {
  console.error('installing the system packages the tests need failed');
  process.exit(1);
}

rmSync(join(root, 'reports'), { recursive: true, force: true });
// npm audit where the registry answers it, and the committed advisory list in any case.
const audit = run(process.execPath, ['tools/security/src/advisories.cjs']);
const nx = join(root, 'node_modules', '.bin', 'nx');
const format = run(nx, ['format:check', '--all']);
const tested = JSON.parse(
  String(
    run(nx, ['show', 'projects', '--withTarget', 'test', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] })
      .stdout,
  ),
);
const outcome = run(nx, [
  'run-many',
  '--targets=lint,typecheck,test',
  '--parallel=2',
  '--outputStyle=static',
  ...process.argv.slice(2),
]);

let passed = 0;
let failed = 0;
for (const { check, outcome } of [
  { check: 'the advisory check', outcome: audit },
  { check: 'the formatting check (npx nx format:write fixes it)', outcome: format },
]) {
  if (outcome.status === 0) continue;
  console.error(`${check} failed (see above)`);
  failed += 1;
}
for (const project of tested) {
  const projectRoot = JSON.parse(
    String(run(nx, ['show', 'project', project, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout),
  ).root;
  const report = join(root, 'reports', projectRoot, 'jest-results.json');
  if (!existsSync(report)) {
    console.error(`${project}: no test results (its tests did not run to the end)`);
    failed += 1;
    continue;
  }
  const totals = JSON.parse(readFileSync(report, 'utf8'));
  passed += totals.passed;
  failed += totals.failed;
}

const total = `${passed} passed, ${failed} failed`;
mkdirSync(join(root, 'reports'), { recursive: true });
writeFileSync(join(root, 'reports', 'test-total.txt'), `${total}\n`);
console.log(total);
process.exit(outcome.status === 0 && failed === 0 ? 0 : 1);
