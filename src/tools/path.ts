import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Is `command` an executable on PATH? (Backend auto-detection; nothing is run.) */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  // Only what the runner can start without a shell: a .cmd or .bat shim found here would then
  // fail to start (Node refuses to spawn them without one).
  const exts = process.platform === 'win32' ? ['.EXE', '.COM'] : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const ext of exts) {
      try {
        accessSync(join(dir, command + ext), constants.X_OK);
        return true;
      } catch {
        /* next */
      }
    }
  }
  return false;
}
