import { execa, type ResultPromise } from 'execa';
import { releaseBin } from './cli.js';

// `release serve` as a user runs it (the compiled CLI, a real port): started on a free port,
// its URL read from what it prints, its request log kept for the tests to read.

export interface RunningServe {
  url: string;
  process: ResultPromise;
  /** Everything it printed on stdout so far (the listening line, then one line per request). */
  output(): string;
  /** SIGTERM (or `signal`), then its exit code and output. */
  stop(signal?: NodeJS.Signals): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
}

/** `port` 0 (the default) lets it pick a free one; a test whose exes have the feed URL linked in picks the port first. */
export async function startReleaseServe(feed: string, args: string[] = [], port = 0): Promise<RunningServe> {
  const child = execa(process.execPath, [releaseBin, 'serve', '--feed', feed, '--port', String(port), ...args], { reject: false, env: { NO_COLOR: '1' } });
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = / at (http:\/\/\S+\/)\n/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.then((r) => reject(new Error(`release serve exited (${r.exitCode}) before listening:\n${stdout}\n${String(r.stderr)}`)), reject);
  });
  return {
    url,
    process: child,
    output: () => stdout,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const r = await child;
      return { exitCode: r.exitCode, stdout, stderr: String(r.stderr) };
    },
  };
}
