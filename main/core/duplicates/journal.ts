/**
 * The undo journal: which files each clean-up moved to the trash, with what they were (content
 * hash, size, time) and where the trash put them when it said, in <libraryDir>/duplicates-journal.json.
 * Written before a clean-up reports back, so an undo works after a restart too. The last 20
 * clean-ups are kept; undo takes the last.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../atomic-write';
import type { TrashedFile } from './trash-restore';

export interface JournalFile extends TrashedFile {
  bytes: number;
  mtime: number;
}

export interface JournalEntry {
  /** When the clean-up ran, ms since the epoch. */
  at: number;
  files: JournalFile[];
}

const KEEP_CLEANUPS = 20;

export class UndoJournal {
  readonly path: string;

  constructor(libraryDir: string) {
    this.path = join(libraryDir, 'duplicates-journal.json');
  }

  entries(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { cleanups?: JournalEntry[] };
    return Array.isArray(parsed.cleanups) ? parsed.cleanups : [];
  }

  last(): JournalEntry | null {
    return this.entries().at(-1) ?? null;
  }

  push(entry: JournalEntry): void {
    this.write([...this.entries(), entry].slice(-KEEP_CLEANUPS));
  }

  /** Replace the last clean-up's files (those an undo could not restore stay for a later try); none left drops it. */
  replaceLast(files: JournalFile[]): void {
    const all = this.entries();
    const last = all.pop();
    if (last && files.length > 0) all.push({ ...last, files });
    this.write(all);
  }

  private write(cleanups: JournalEntry[]): void {
    writeFileAtomicSync(this.path, `${JSON.stringify({ cleanups }, null, 2)}\n`);
  }
}
