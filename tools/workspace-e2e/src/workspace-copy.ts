import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A copy of a workspace in a temporary folder, a git repository of its own, sharing node_modules. */
export interface WorkspaceCopy {
  readonly root: string;
  /** The commit the copy started from, for `nx affected --base`. */
  readonly base: string;
  /** The environment the copy's commands run with: this one's, without the outer Nx and Jest run's. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs a command in the copy; rejects with its output when it exits non-zero. */
  run(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }>;
  nx(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  commit(message: string): Promise<string>;
  remove(): void;
}

/**
 * Copies the files git knows of (tracked, and untracked but not ignored), so the copy is the
 * workspace as a fresh clone with this working tree's changes would be: no dist, no Nx cache.
 */
export async function copyWorkspace(source: string): Promise<WorkspaceCopy> {
  const root = mkdtempSync(join(tmpdir(), 'quartet-workspace-'));
  const { stdout } = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: source,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(source, file), join(root, file), { errorOnExist: false, force: true });
  }
  symlinkSync(join(source, 'node_modules'), join(root, 'node_modules'), 'dir');

  // Nothing of the Nx or Jest run that runs this spec may leak into the copy's own runs.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(NX_|JEST_|npm_|CONTRACTS_BASE$)/.test(name)),
  ) as NodeJS.ProcessEnv;
  Object.assign(env, {
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: 'true',
    GIT_AUTHOR_NAME: 'quartet',
    GIT_AUTHOR_EMAIL: 'quartet@example.invalid',
    GIT_COMMITTER_NAME: 'quartet',
    GIT_COMMITTER_EMAIL: 'quartet@example.invalid',
  });
  const run = async (command: string, args: readonly string[]) => {
    try {
      return await exec(command, args, { cwd: root, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    } catch (error) {
      const { stdout: out = '', stderr: err = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${command} ${args.join(' ')} failed:\n${out}\n${err}`);
    }
  };
  const commit = async (message: string) => {
    await run('git', ['add', '-A']);
    await run('git', ['commit', '-q', '--no-verify', '-m', message]);
    return (await run('git', ['rev-parse', 'HEAD'])).stdout.trim();
  };
  await run('git', ['init', '-q', '-b', 'main']);
  const base = await commit('the workspace as copied');
  return {
    root,
    base,
    env,
    run,
    commit,
    nx: (...args: string[]) => run(join(root, 'node_modules', '.bin', 'nx'), args),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The lines of a listing such as `nx show projects`, sorted. */
export function listed(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .sort();
}
