// Watch the processes under one process (Linux /proc): what each had in its argv and its
// environment, polled every ~50 ms while a test runs, so a secret that a child ever held in
// either is caught, however short-lived the child.
//
//   const scan = startProcessScan(child.pid);
//   ... the run ...
//   const seen = await scan.stop();
//   for (const p of seen) expect(p.cmdline + p.environ).not.toContain(secret);

import { readdirSync, readFileSync } from 'node:fs';

export interface SeenProcess {
  pid: number;
  /** argv joined by spaces (NULs in /proc/PID/cmdline). */
  cmdline: string;
  /** The environment, one NAME=value per line. */
  environ: string;
}

export interface ProcessScan {
  /** Stop polling and return every (process, argv) seen, in the order first seen. */
  stop(): Promise<SeenProcess[]>;
  /** What has been seen so far. */
  readonly seen: readonly SeenProcess[];
}

/** Every process whose chain of parents leads to `root` (not `root` itself). */
export function descendantsOf(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  return [...parent.keys()].filter((pid) => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) {
      if (p === root) return true;
    }
    return false;
  });
}

function read(pid: number): SeenProcess | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).join('\n');
    return { pid, cmdline, environ };
  } catch {
    return undefined; // exited between listing and reading
  }
}

/** Poll the descendants of `root` every `intervalMs` until stop(). */
export function startProcessScan(root: number, intervalMs = 50): ProcessScan {
  const seen: SeenProcess[] = [];
  const keys = new Set<string>();
  // Between fork and exec a child is still a copy of its parent: the same argv and environment
  // (password included) in the same memory. That copy is winship, not a child holding the
  // secret, and a loaded machine makes the window long enough to be seen: skipped.
  const poll = () => {
    const parentCopy = read(root)?.cmdline; // read now: the root has exec'd once it has children
    for (const pid of descendantsOf(root)) {
      const p = read(pid);
      // What a child execs: keep each argv it had.
      if (!p || p.cmdline === parentCopy || keys.has(`${pid}\0${p.cmdline}`)) continue;
      keys.add(`${pid}\0${p.cmdline}`);
      seen.push(p);
    }
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    seen,
    async stop() {
      clearInterval(timer);
      poll();
      return seen;
    },
  };
}
