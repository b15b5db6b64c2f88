/**
 * The clean-up: move the chosen copies of each group to the trash, and its undo.
 *
 * Safe by construction: a file is moved only if it is exactly what was grouped (same size and time
 * as the grouping saw, same bytes as the library indexed), and only while the photo its group keeps
 * is still there unchanged; anything else is left alone with a notice. Moves go to the system trash
 * (trash.ts), never a delete, and each clean-up is journalled (journal.ts) for its undo. When the
 * trash refuses a file, the files this clean-up already moved are put back and it fails naming the
 * file and the reason: it moves nothing. Moved photos leave the library's index; an undo puts the
 * files back and indexes their folders again.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Library } from '../library/library';
import { onDiskPath } from '../file-names';
import { contentHash, isLegacyContentHash, legacyContentHash } from '../library/content-hash';
import { UndoJournal, type JournalFile } from './journal';
import type { Trash } from './trash';
import { restoreFromTrash } from './trash-restore';

/** A file as the grouping saw it. */
export interface GroupedFile {
  path: string;
  bytes: number;
  mtime: number;
}

export interface MoveRequest {
  keep: GroupedFile;
  move: GroupedFile[];
}

export interface LeftAlone {
  path: string;
  reason: string;
}

export interface CleanupResult {
  moved: string[];
  leftAlone: LeftAlone[];
  cancelled: boolean;
}

export interface UndoResult {
  restored: string[];
  notRestored: LeftAlone[];
}

export interface CleanupProgress {
  signal?: AbortSignal;
  report?: (phase: string, done: number, total: number, message?: string) => void;
}

export class TrashRefusedError extends Error {}

/** Why a file differs from what the grouping saw, or null when it is the same. */
async function changedSinceGrouping(file: GroupedFile): Promise<string | null> {
  try {
    const info = await stat(onDiskPath(file.path));
    if (!info.isFile()) return 'is no longer a file';
    if (info.size !== file.bytes || info.mtimeMs !== file.mtime) return 'changed since grouping';
    return null;
  } catch {
    return 'vanished since grouping';
  }
}

async function hashOf(path: string, like: string): Promise<string> {
  const bytes = await readFile(onDiskPath(path));
  return isLegacyContentHash(like) ? legacyContentHash(bytes) : contentHash(bytes);
}

export async function moveDuplicatesToTrash(library: Library, trash: Trash, requests: readonly MoveRequest[], progress: CleanupProgress = {}): Promise<CleanupResult> {
  const total = requests.reduce((n, r) => n + r.move.length, 0);
  const moved: JournalFile[] = [];
  const movedIds: number[] = [];
  const leftAlone: LeftAlone[] = [];
  let done = 0;
  let cancelled = false;
  progress.report?.('moving to trash', 0, total);
  outer: for (const request of requests) {
    const keepProblem = await changedSinceGrouping(request.keep);
    for (const file of request.move) {
      if (progress.signal?.aborted) {
        cancelled = true;
        break outer;
      }
      done++;
      const path = resolve(file.path);
      const row = library.store.photoByPath(path);
      let reason: string | null = null;
      if (resolve(request.keep.path) === path) reason = 'it is the photo the group keeps';
      else if (keepProblem) reason = `the photo its group keeps (${request.keep.path}) ${keepProblem}`;
      else if (!row) reason = 'not a photo of this library';
      else if (!library.folders().some((f) => path.startsWith(f.path + sep))) reason = 'not in a folder of this library';
      else reason = await changedSinceGrouping(file);
      if (!reason && row && (await hashOf(path, row.hash).catch(() => null)) !== row.hash) reason = 'changed since it was indexed';
      if (reason || !row) {
        leftAlone.push({ path: file.path, reason: reason ?? 'not a photo of this library' });
        continue;
      }
      try {
        const where = await trash.move(path);
        moved.push({ originalPath: path, hash: row.hash, bytes: file.bytes, mtime: file.mtime, ...where });
        movedIds.push(row.id);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        const notBack = await putBack(moved);
        const rest = notBack.length === 0 ? 'nothing was moved' : `could not put back ${notBack.map((f) => `${f.path} (${f.reason})`).join(', ')}`;
        throw new TrashRefusedError(`${trash.name} refused ${path}: ${why}; ${rest}`);
      }
      progress.report?.('moving to trash', done, total);
    }
  }
  if (moved.length > 0) {
    new UndoJournal(library.dir).push({ at: Date.now(), files: moved });
    await library.forgetPhotos(movedIds);
  }
  progress.report?.('moving to trash', total, total);
  return { moved: moved.map((f) => f.originalPath), leftAlone, cancelled };
}

async function putBack(files: readonly JournalFile[]): Promise<LeftAlone[]> {
  const failed: LeftAlone[] = [];
  for (const file of files) {
    try {
      await restoreFromTrash(file);
    } catch (error) {
      failed.push({ path: file.originalPath, reason: (error as Error).message });
    }
  }
  return failed;
}

/** Whether there is a clean-up to undo, and how many files it moved. */
export function lastCleanup(library: Library): { at: number; files: number } | null {
  const last = new UndoJournal(library.dir).last();
  return last ? { at: last.at, files: last.files.length } : null;
}

/** Put the files of the last clean-up back where they were and index their folders again. */
export async function undoLastCleanup(library: Library, progress: CleanupProgress = {}): Promise<UndoResult> {
  const journal = new UndoJournal(library.dir);
  const last = journal.last();
  if (!last) return { restored: [], notRestored: [] };
  const restored: string[] = [];
  const notRestored: LeftAlone[] = [];
  const remaining: JournalFile[] = [];
  progress.report?.('restoring', 0, last.files.length);
  for (const [i, file] of last.files.entries()) {
    if (progress.signal?.aborted) {
      remaining.push(...last.files.slice(i));
      break;
    }
    try {
      await restoreFromTrash(file);
      restored.push(file.originalPath);
    } catch (error) {
      notRestored.push({ path: file.originalPath, reason: (error as Error).message });
      // Kept in the journal only while it may still be in the trash.
      if (!/another file is now at its place/.test((error as Error).message)) remaining.push(file);
    }
    progress.report?.('restoring', i + 1, last.files.length);
  }
  journal.replaceLast(remaining);
  // The restored photos come back into the index: their folders are indexed again (unchanged files are skipped).
  const folders = new Set(
    restored.flatMap((path) => library.folders().filter((f) => path.startsWith(f.path + sep)).map((f) => f.path)),
  );
  for (const folder of folders) await library.indexFolder(folder, { signal: progress.signal });
  return { restored, notRestored };
}
