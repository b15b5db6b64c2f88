/**
 * A model's edited-copy score on its card.json, as the field `copies`: the app reads it to put words
 * on scores and to set the duplicates threshold, so its shape is fixed here and nowhere else.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../models';
import type { CopyScore } from './copies';

export interface CardCopies extends CopyScore {
  /** What the copies were made of and searched among, in words. */
  measuredOn: string;
}

/** The card's `copies`, when it holds a well-formed one. */
export function cardCopies(card: Record<string, unknown>): CardCopies | null {
  const c = card.copies as Partial<CardCopies> | undefined;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!c || typeof c !== 'object') return null;
  if (!finite(c.copyScore?.p5) || !finite(c.copyScore?.p50)) return null;
  if (!finite(c.otherScore?.p50) || !finite(c.otherScore?.p95) || !finite(c.otherScore?.p99)) return null;
  return c as CardCopies;
}

/** The card's likeness percentiles (copies.likeness), when it holds well-formed ones (cards measured before the likeness have none). */
export function cardLikeness(card: Record<string, unknown>): NonNullable<CardCopies['likeness']> | null {
  const l = cardCopies(card)?.likeness;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!l || !finite(l.copy?.p5) || !finite(l.copy?.p50) || !finite(l.other?.p99) || !finite(l.other?.p999) || !finite(l.other?.p9999)) return null;
  return l;
}

/** Write `copies` into a model directory's card.json (atomically; the rest of the card kept). */
export async function writeCardCopies(modelDir: string, copies: CardCopies): Promise<void> {
  const path = join(modelDir, 'card.json');
  const card = existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>) : {};
  const { model, n, top1, top10, copyScore, otherScore, likeness, measuredOn } = copies;
  await writeFileAtomic(path, `${JSON.stringify({ ...card, copies: { model, n, top1, top10, copyScore, otherScore, likeness, measuredOn } }, null, 2)}\n`);
}
