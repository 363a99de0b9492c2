import { CancelledError } from './errors.js';

// Fault points, for the fault-injection tests (test/e2e/faults.test.ts): a run started with
// WINSHIP_FAULT_PAUSE=<pattern> stops at the first point that matches, says so on stderr, and
// waits there, so a test can kill it (SIGKILL, SIGTERM) at an exact moment of a real release:
// with go or wixl just started, with a temp file complete but not yet renamed. Without the
// variable a point costs one comparison.
//
// A pattern is substrings joined by "&", all of which the point's description must contain,
// optionally followed by "@N" for the N-th matching point (the resources stage rewrites an exe
// the build wrote: "rename&hello.exe@2").

const PATTERN = process.env.WINSHIP_FAULT_PAUSE;
let seen = 0;

function matches(point: string): boolean {
  if (!PATTERN) return false;
  const [parts = '', nth = '1'] = PATTERN.split('@');
  if (!parts.split('&').every((p) => point.includes(p))) return false;
  return ++seen === Number(nth);
}

/**
 * Pause here when the run was told to. Resumes when `signal` aborts (rejecting with
 * CancelledError, as the work would) or, without one, when the process gets SIGINT or SIGTERM
 * (the run's own handler is stopping it by then).
 */
export async function faultPoint(point: string, signal?: AbortSignal): Promise<void> {
  if (!matches(point)) return;
  process.stderr.write(`winship-fault: paused at ${point}\n`);
  await new Promise<void>((resolve, reject) => {
    const keepAlive = setInterval(() => undefined, 60_000);
    const done = (err?: Error) => {
      clearInterval(keepAlive);
      if (err) reject(err);
      else resolve();
    };
    if (signal) signal.addEventListener('abort', () => done(new CancelledError()), { once: true });
    else for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => done());
  });
}
