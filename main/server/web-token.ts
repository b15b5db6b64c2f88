/**
 * Web mode's address, kept stable so a bookmark keeps working: a default port, and a token kept in
 * the library folder (`web-token`, readable by its owner only) instead of a new one each launch.
 * Anyone who can read that file can already read the library itself, so it guards nothing less.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The port web mode listens on unless told otherwise (the next few are tried when it is taken). */
export const DEFAULT_WEB_PORT = 7717;
export const WEB_TOKEN_FILE = 'web-token';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;

/**
 * The library's web token, made on first use. A file that others may read is made owner-only
 * again (with a notice); one that does not hold a token is replaced.
 */
export function libraryWebToken(libraryDir: string, notice: (message: string) => void = () => {}): string {
  const file = join(libraryDir, WEB_TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (TOKEN_PATTERN.test(token)) {
      if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
        chmodSync(file, 0o600);
        notice(`${file} could be read by other users; it is now readable by you only`);
      }
      return token;
    }
    notice(`${file} does not hold a token; writing a new one (links printed before no longer work)`);
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode above is masked by the umask, and ignored for an existing file
  return token;
}
