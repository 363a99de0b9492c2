import { ToolFailedError, type Tool, type ToolRunner } from './runner.js';

export const sha256sum: Tool = { name: 'sha256sum', command: 'sha256sum', install: 'apt-get install coreutils (macOS: brew install coreutils)' };

/**
 * `sha256sum -c --strict` of a checksums file in `dir`: the lines it reports as failed ("path:
 * FAILED", missing files, malformed lines); [] when every file matches.
 */
export async function sha256sumCheck(runner: ToolRunner, dir: string, file: string, signal?: AbortSignal): Promise<string[]> {
  try {
    await runner.run({ tool: sha256sum, args: ['-c', '--strict', '--quiet', file], cwd: dir, timeoutMs: 30 * 60_000, readOnly: true, input: '', ...(signal ? { signal } : {}) });
    return [];
  } catch (err) {
    if (!(err instanceof ToolFailedError) || err.timedOut) throw err;
    const lines = `${err.raw.stdout}\n${err.raw.stderr}`.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^sha256sum: WARNING/.test(l));
    return lines.length ? lines : [`sha256sum exited with code ${err.toolExitCode}`];
  }
}
