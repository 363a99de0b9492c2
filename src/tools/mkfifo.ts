// mkfifo: makes the named pipe through which older osslsigncodes get the key's password
// (src/tools/passwordFifo.ts). Node has no mkfifo of its own.

import type { Tool, ToolRunner } from './runner.js';

export const mkfifo: Tool = {
  name: 'mkfifo',
  command: 'mkfifo',
  install: 'apt-get install coreutils (Debian/Ubuntu; on macOS and the BSDs it is part of the base system)',
};

/** argv for a FIFO only its owner may open. `-m` sets the mode at creation, whatever the umask. */
export function mkfifoArgs(fifoPath: string): string[] {
  return ['-m', '600', fifoPath];
}

export async function makeFifo(runner: ToolRunner, fifoPath: string, options: { signal?: AbortSignal; subject?: string } = {}): Promise<void> {
  await runner.run({
    tool: mkfifo,
    args: mkfifoArgs(fifoPath),
    timeoutMs: 30_000,
    input: '',
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.subject !== undefined ? { subject: options.subject } : {}),
  });
}
