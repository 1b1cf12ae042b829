// The processes of a benchmark: each pinned to a core when `taskset` exists, with its CPU time
// and peak resident memory read from /proc, so that a row can say what a message cost.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { listeningEvent, startProcess } from '@quartet/processes';

const TASKSET = spawnSync('taskset', ['--version']).status === 0;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Whether processes are pinned: without taskset they share the cores, and the table says so. */
export const pinned = TASKSET;

/** `command` pinned to `core` (a number, or a list like '0,1'), when taskset exists. */
export function pinnedCommand(core, command, args) {
  return TASKSET && core !== undefined
    ? ['taskset', ['-c', String(core), command, ...args]]
    : [command, args];
}

/**
 * Starts a process pinned to `core` (startProcess of @quartet/processes: ready once `ready(line)`
 * returns something for a line of its stdout). `stop()` kills it outright: a bench run has no
 * drain to wait for.
 * @param {Omit<import('@quartet/processes').StartProcessOptions<any>, 'command' | 'args'> &
 *   { command: string, args: string[], core?: number | string }} options
 */
export async function startPinned({ command, args, core, ...options }) {
  const [file, argv] = pinnedCommand(core, command, args);
  const started = await startProcess({ ...options, command: file, args: argv });
  return { ...started, stop: () => started.stop('SIGKILL') };
}

/** The address a quartet app (or an anchor) logs in its `listening` event. */
export const listeningAddress = (line) => listeningEvent(line)?.address;

/** A process and its descendants (a service's workers), as pids. */
function tree(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    // Gone meanwhile.
  }
  return [pid, ...children.flatMap(tree)];
}

/** CPU seconds (user + system) a process and its workers have used so far. */
export function cpuSeconds(pid) {
  return tree(pid).reduce((sum, one) => {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${one}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }, 0);
}

/** A `/proc/<pid>/status` figure in bytes, summed over the process and its workers. */
function statusBytes(pid, field) {
  return tree(pid).reduce((sum, one) => {
    const line = readFileSync(`/proc/${one}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return sum + Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
  }, 0);
}

/** The resident set now, in bytes; with workers, the sum of theirs. */
export const rssBytes = (pid) => statusBytes(pid, 'VmRSS');

/**
 * The largest resident set the process has had since it started, or since `resetPeakRss`, in
 * bytes; with workers, the sum of theirs (each holds its own heap).
 */
export const peakRssBytes = (pid) => statusBytes(pid, 'VmHWM');

/** Starts counting the peak resident set afresh (writing 5 to clear_refs; Linux 4.0 and later). */
export function resetPeakRss(pid) {
  for (const one of tree(pid)) {
    try {
      writeFileSync(`/proc/${one}/clear_refs`, '5');
    } catch {
      // Not ours to reset (another user's process): the peak then counts from its start.
    }
  }
}
