import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';

// Children must never outlive winship, however it ends. Ctrl-C, SIGTERM, a fatal error and a
// normal exit all reach killAllChildren (src/main.ts), but SIGKILL (kill -9, the OOM killer, a CI
// runner's timeout) runs no code of ours. Our children lead their own process groups (so that
// one kill reaches go's compile and link), so nothing else stops them: go, wixl and an
// osslsigncode waiting on a hung time-stamp server would run on, and go's $WORK and wixl's
// half-written MSI would stay.
//
// The watchdog is a small Node process in its own session, started with the first child. We
// tell it through its stdin which process groups are live ("+PID" / "-PID"). Only winship holds
// the other end of that pipe, so the pipe closes when winship's process ends, by any cause:
// the watchdog then stops every group still listed (SIGTERM, SIGKILL after the grace period)
// and exits. Linux's PR_SET_PDEATHSIG would do this per child, but Node cannot set it, and
// it would not reach the grandchildren (compile, link) anyway.

/** The watchdog's program, given with -e: it works the same whether we run from src/ or lib/. */
const WATCHDOG_SOURCE = `
const { spawn } = require('node:child_process');
const groups = new Set();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let i; (i = pending.indexOf('\\n')) >= 0; pending = pending.slice(i + 1)) {
    const line = pending.slice(0, i);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') groups.add(pid); else groups.delete(pid);
  }
});
const signal = (pid, sig) => { try { process.kill(-pid, sig); return true; } catch { return false; } };
let ending = false;
const end = () => {
  if (ending) return;
  ending = true;
  if (groups.size === 0) process.exit(0);
  if (process.platform === 'win32') {
    let left = groups.size;
    for (const pid of groups) spawn('taskkill', ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('close', () => --left || process.exit(0)).on('error', () => --left || process.exit(0));
    return;
  }
  const live = [...groups].filter((pid) => signal(pid, 'SIGTERM'));
  if (live.length === 0) process.exit(0);
  setTimeout(() => { for (const pid of live) signal(pid, 'SIGKILL'); process.exit(0); }, Number(process.argv[1]));
};
process.stdin.on('end', end);
process.stdin.on('error', end);
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
`;

let watchdog: ChildProcess | undefined;
let unavailable = false;

/** Start the watchdog if it is not running. A watchdog that cannot start is not a failure of the run. */
function ensureWatchdog(graceMs: number): ChildProcess | undefined {
  if (watchdog || unavailable) return watchdog;
  try {
    // Our pid last: `ps` shows whose watchdog it is.
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(graceMs), String(process.pid)], {
      detached: true, // its own session: a signal to our group (Ctrl-C in a terminal) passes it by
      stdio: ['pipe', 'ignore', 'ignore'],
      // Not our working folder: on Windows a process's current folder cannot be deleted.
      cwd: tmpdir(),
      // Nothing of ours: it needs no secret, and no variable tells node to load anything.
      env: { PATH: process.env.PATH ?? '', ...(process.platform === 'win32' ? { SystemRoot: process.env.SystemRoot ?? '' } : {}) },
      windowsHide: true,
    });
  } catch {
    unavailable = true;
    return undefined;
  }
  watchdog.on('error', () => {
    unavailable = true;
    watchdog = undefined;
  });
  watchdog.stdin!.on('error', () => undefined); // it died first: nothing to tell it any more
  // Neither the watchdog nor its pipe keeps winship running.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  return watchdog;
}

/** Tell the watchdog that the process group led by `pid` is live. */
export function watchGroup(pid: number, graceMs: number): void {
  ensureWatchdog(graceMs)?.stdin?.write(`+${pid}\n`);
}

/** Tell the watchdog that the group led by `pid` has exited. */
export function unwatchGroup(pid: number): void {
  watchdog?.stdin?.write(`-${pid}\n`);
}

/** The watchdog's pid, for tests that check it ends with us. */
export function watchdogPid(): number | undefined {
  return watchdog?.pid;
}
