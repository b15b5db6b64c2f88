/** A labelled slice of a dataset (one folder per class), copied where a library or a query set is made of it. */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Copies files [from, from + count) (sorted) of each class folder of `source` into `target`/<class>/. */
export async function copyClassSlice(source: string, target: string, from: number, count: number): Promise<void> {
  for (const name of (await readdir(source)).sort()) {
    await mkdir(join(target, name), { recursive: true });
    for (const file of (await readdir(join(source, name))).sort().slice(from, from + count)) await copyFile(join(source, name, file), join(target, name, file));
  }
}
