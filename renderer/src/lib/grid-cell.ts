/** The range of the library grid's cell width, and how a stored or typed size is read. Thumbnails are stored at 256 px, so cells go no larger. */
export const GRID_CELL = { min: 96, max: 256, initial: 150, step: 2 } as const;

/** A stored or typed size as a cell width in pixels: within the range, else the initial size. */
export function parseGridCell(text: string | null | undefined): number {
  const value = Number(text);
  if (text === null || text === undefined || text.trim() === '' || !Number.isFinite(value)) return GRID_CELL.initial;
  return Math.min(GRID_CELL.max, Math.max(GRID_CELL.min, Math.round(value)));
}
