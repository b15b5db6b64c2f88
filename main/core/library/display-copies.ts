/**
 * Full-size copies of photos a browser cannot show as they are, for the viewer: HEIC, camera RAW
 * (its preview) and TIFF converted to JPEG, and a photo whose file name is not UTF-8 (the servers
 * open files by string path) copied byte for byte. A converted copy of a photo reached through a
 * symbolic link that leads out of the library's folders is made like any other; the original of
 * such a link stays unserved (the servers' confinement, server/media.ts). Kept under the
 * library, keyed by content hash like the thumbnails, made on first view and pruned with them.
 * The original is never touched.
 */
import { copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { openAnyImage } from '../imaging/decode';
import { hasEscapedBytes, onDiskPath } from '../file-names';
import { writeFileAtomicSync } from '../atomic-write';

/** What Chromium shows in an <img> (the page and Electron both run it). */
const BROWSER_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.avif']);
const HASH_PATTERN = /^[0-9a-f]{16,128}$/;
/** Converted copies are kept JPEGs at this quality: close to the original for viewing. */
const DISPLAY_QUALITY = 90;

export class DisplayCopies {
  constructor(
    readonly dir: string,
    private readonly maxPixels: number,
  ) {}

  /** Whether the servers can hand out the photo's own file. */
  static servesAsIs(path: string): boolean {
    return BROWSER_EXTENSIONS.has(extname(path).toLowerCase()) && !hasEscapedBytes(path);
  }

  private pathFor(hash: string, extension: string): string {
    if (!HASH_PATTERN.test(hash)) throw new Error(`not a content hash: ${hash.slice(0, 40)}`);
    return join(this.dir, hash.slice(0, 2), `${hash}${extension}`);
  }

  /**
   * A file a browser shows for the photo at `path` with content `hash`: the photo itself where it
   * can be served, else its copy here, made now if missing. Throws a DecodeError for a photo that
   * cannot be converted.
   */
  async displayable(path: string, hash: string): Promise<string> {
    if (DisplayCopies.servesAsIs(path)) return path;
    const browserFormat = BROWSER_EXTENSIONS.has(extname(path).toLowerCase());
    const copy = this.pathFor(hash, browserFormat ? extname(path).toLowerCase() : '.jpg');
    if (existsSync(copy)) return copy;
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    if (browserFormat) {
      // Only the name is in the way: the same bytes under a name the servers can open.
      const temporary = `${copy}.${process.pid}.tmp`;
      await copyFile(onDiskPath(path), temporary);
      await rename(temporary, copy);
      return copy;
    }
    // A name that is not UTF-8 is read here (sharp takes a path only as a string).
    const onDisk = onDiskPath(path);
    const image = await openAnyImage(typeof onDisk === 'string' ? onDisk : await readFile(onDisk), { maxPixels: this.maxPixels, name: path });
    const jpeg = await image.jpeg({ quality: DISPLAY_QUALITY }).toBuffer();
    writeFileAtomicSync(copy, jpeg, false);
    return copy;
  }

  /** Delete copies whose hash no photo has any more. */
  async prune(keep: (hash: string) => boolean): Promise<number> {
    let removed = 0;
    const shards = await readdir(this.dir).catch(() => [] as string[]);
    for (const shard of shards) {
      const names = await readdir(join(this.dir, shard)).catch(() => [] as string[]);
      for (const name of names) {
        const hash = name.replace(/\..*$/, '');
        if (!HASH_PATTERN.test(hash) || !keep(hash) || name.endsWith('.tmp')) {
          await rm(join(this.dir, shard, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
