/**
 * Write a file so that readers (and a process killed mid-write) see either the old file or the
 * complete new one, never a torn one: write beside it, fsync, rename over, fsync the folder.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** A unique sibling path for writing `target` aside (same folder, so rename stays atomic). */
export function tempPathFor(target: string): string {
  counter = (counter + 1) % 1e9;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${counter}.tmp`);
}

function fsyncDirSync(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a folder for fsync; rename is still atomic there.
  }
}

export function fsyncFileSync(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Atomically replace `target` with what `writeTemp(tempPath)` writes to a temporary path. */
export function replaceFileSync(target: string, writeTemp: (tempPath: string) => void, durable = true): void {
  const temp = tempPathFor(target);
  try {
    writeTemp(temp);
    if (durable) fsyncFileSync(temp);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (durable) fsyncDirSync(dirname(target));
}

export function writeFileAtomicSync(target: string, data: Uint8Array | string, durable = true): void {
  replaceFileSync(target, (temp) => writeFileSync(temp, data), durable);
}
