import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Is `command` an executable on PATH? (Backend auto-detection; nothing is run.) */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
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
