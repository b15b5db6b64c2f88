/**
 * `~` in a typed path, as a shell would read it: `~` and `~/…` are the user's home folder. A web page
 * or a quoted CLI argument reaches us without a shell, so nobody else expands it. `~user` forms are
 * left alone (they name another account; we would only guess).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || (process.platform === 'win32' && path.startsWith('~\\'))) return join(home, path.slice(2));
  return path;
}
