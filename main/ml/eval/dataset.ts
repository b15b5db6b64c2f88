/**
 * A labelled split laid out a folder per class (CIFAR-10 style: `train/cat/0001.jpg`): the class
 * of an image is the name of the folder it sits in. Classes and files are taken in sorted order
 * (by code point, so the order does not depend on the locale), and `limit` keeps the first N
 * files of each class — the same files on every run and every machine.
 */
import { readdir, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/** Extensions sharp decodes that a labelled split may hold. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif']);

export interface LabelledSplit {
  dir: string;
  /** Class names, sorted; a label is an index into this list. */
  classNames: string[];
  paths: string[];
  labels: Int32Array;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether an entry is (or is a symbolic link to) a folder / a file; a broken link is neither. */
async function kindOf(dir: string, entry: Dirent): Promise<'folder' | 'file' | null> {
  if (entry.isDirectory()) return 'folder';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return null;
  const target = await stat(join(dir, entry.name)).catch(() => null);
  return target?.isDirectory() ? 'folder' : target?.isFile() ? 'file' : null;
}

async function namesOf(dir: string, entries: Dirent[], kind: 'folder' | 'file'): Promise<string[]> {
  const kinds = await Promise.all(entries.map((entry) => (entry.name.startsWith('.') ? null : kindOf(dir, entry))));
  return entries.filter((_, i) => kinds[i] === kind).map((entry) => entry.name);
}

export interface SplitOptions {
  /** Keep the first N files (sorted) of each class; undefined = all. */
  limit?: number;
  /**
   * Class names to label with (e.g. the train split's, so test labels index the same list).
   * A class folder not in it is an error: its images could never be predicted right.
   */
  classNames?: readonly string[];
}

export async function loadLabelledSplit(dir: string, options: SplitOptions = {}): Promise<LabelledSplit> {
  const root = resolve(dir);
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new Error(`limit must be a positive integer, got ${limit}`);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${root}: no such folder`);
    if (code === 'ENOTDIR') throw new Error(`${root}: not a folder (expected a folder per class)`);
    throw error;
  }
  // Symbolic links are followed, to class folders and to images alike (a split made of links to photos).
  const folders = (await namesOf(root, entries, 'folder')).sort(byCodePoint);
  if (folders.length === 0) throw new Error(`${root}: no class folders (expected ${root}/<class>/<image>)`);
  const classNames = options.classNames ? [...options.classNames] : folders;
  const unknown = folders.filter((name) => !classNames.includes(name));
  if (unknown.length > 0)
    throw new Error(`${root}: class folder(s) ${unknown.map((n) => `'${n}'`).join(', ')} are not among the known classes (${classNames.join(', ')})`);

  const paths: string[] = [];
  const labels: number[] = [];
  for (const folder of folders) {
    const classDir = join(root, folder);
    const files = (await namesOf(classDir, await readdir(classDir, { withFileTypes: true }), 'file'))
      .filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort(byCodePoint);
    const kept = limit === undefined ? files : files.slice(0, limit);
    if (kept.length === 0) throw new Error(`${join(root, folder)}: class folder holds no images`);
    const label = classNames.indexOf(folder);
    for (const file of kept) {
      paths.push(join(root, folder, file));
      labels.push(label);
    }
  }
  return { dir: root, classNames, paths, labels: Int32Array.from(labels) };
}
