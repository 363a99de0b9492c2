import { spawn } from 'node:child_process';
import { unwatchGroup, watchGroup } from './watchdog.js';

// Process trees we started and that still run. Kept apart from runner.ts so
// the CLI's signal handlers can stop children without loading anything heavy.

const liveGroups = new Set<number>();

/** How long a tree gets to exit after SIGTERM (go removes its $WORK folder) before SIGKILL. */
export const KILL_GRACE_MS = 2000;

/**
 * Stop the process tree led by `pid`. POSIX: children are started detached, so each leads its
 * own process group and `-pid` reaches compile/link/osslsigncode too; SIGTERM first, SIGKILL
 * after the grace period (immediately when `now`). Windows has no process groups: taskkill /T
 * ends the whole tree (signtool, candle, light, wix).
 */
export function killGroup(pid: number, now = false): void {
  if (process.platform === 'win32') {
    spawn('taskkill', ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // already gone
    }
  };
  if (now) {
    send('SIGKILL');
    return;
  }
  if (send('SIGTERM')) setTimeout(() => send('SIGKILL'), KILL_GRACE_MS).unref();
}

/** Whether children lead their own process group (POSIX) — see killGroup. */
export const DETACH_CHILDREN = process.platform !== 'win32';

/** A child started: stopped by killAllChildren, and by the watchdog should winship be killed. */
export function trackGroup(pid: number): void {
  liveGroups.add(pid);
  watchGroup(pid, KILL_GRACE_MS);
}

export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
  unwatchGroup(pid);
}

/**
 * Stop every process tree we started that is still running (Ctrl-C, fatal error, exit). Trees
 * stay tracked until they have exited (untrackGroup), so a second, hard pass (a second Ctrl-C,
 * exit) still reaches one that ignored SIGTERM.
 */
export function killAllChildren(now = false): void {
  for (const pid of liveGroups) killGroup(pid, now);
}
