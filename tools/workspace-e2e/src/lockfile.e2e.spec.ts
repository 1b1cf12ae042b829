import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@nx/devkit';

interface Lock {
  packages: Record<string, Record<string, unknown>>;
}

/** The fields the postinstall writes (and `dev`, which npm adds): no `resolved` or `integrity`, which no registry here serves. */
const WRITTEN_FIELDS = new Set(['version', 'optional', 'os', 'cpu', 'libc', 'dev']);

const run = promisify(execFile);
const COMPLETE_LOCKFILE = join(workspaceRoot, 'tools/scripts/complete-lockfile.mjs');

/** What the postinstall adds: optional packages of other platforms, which the registry here does not serve. */
function listedByPostinstall(lock: Lock): string[] {
  return Object.keys(lock.packages).filter(
    (path) =>
      /^node_modules\/(?:@[^/]+\/)?[^/]+$/.test(path) &&
      lock.packages[path]['optional'] === true &&
      Object.keys(lock.packages[path]).every((field) => WRITTEN_FIELDS.has(field)),
  );
}

/** `npm ci` as far as checking the lock against package.json, from the cache `npm ci` filled. */
function npmCiDryRun(dir: string) {
  return run('npm', ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    timeout: 120_000,
  }).then(
    () => ({ ok: true, output: '' }),
    (error: { stderr?: string }) => ({ ok: false, output: String(error.stderr) }),
  );
}

describe('the postinstall that completes package-lock.json (tools/scripts/complete-lockfile.mjs)', () => {
  let dir: string;
  const lockCopy = () => JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lock;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-lockfile-'));
    copyFileSync(join(workspaceRoot, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(workspaceRoot, 'package-lock.json'), join(dir, 'package-lock.json'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is still needed: without the entries it adds, npm ci refuses the lock (npm/cli#9846)', async () => {
    const lock = lockCopy();
    const listed = listedByPostinstall(lock);
    expect(listed.length).toBeGreaterThan(0);
    for (const path of listed) delete lock.packages[path];
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));

    const refused = await npmCiDryRun(dir);

    expect(refused.ok).toBe(false);
    expect(refused.output).toContain(`Missing: ${listed[0].replace('node_modules/', '')}@`);
  });

  it('puts them back, and npm ci then accepts the lock', async () => {
    const lock = lockCopy();
    const listed = listedByPostinstall(lock);
    for (const path of listed) delete lock.packages[path];
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));

    await run(process.execPath, [COMPLETE_LOCKFILE, join(dir, 'package-lock.json')]);

    expect(listedByPostinstall(lockCopy()).sort()).toEqual(listed.sort());
    await expect(npmCiDryRun(dir)).resolves.toEqual({ ok: true, output: '' });
  });

  it('has nothing left to add to the committed lock', async () => {
    const before = readFileSync(join(dir, 'package-lock.json'), 'utf8');

    await run(process.execPath, [COMPLETE_LOCKFILE, join(dir, 'package-lock.json')]);

    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toBe(before);
  });
});
