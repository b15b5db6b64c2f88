/**
 * How large the library grid's thumbnails are, as the person set it with the toolbar's slider: kept
 * between launches in localStorage (web mode keeps one address, so one origin; the desktop shell its
 * own).
 */
import { parseGridCell } from './grid-cell';

const storageKey = 'dimsearch.gridCell';

function stored(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null; // storage refused (private mode, a locked profile): the size holds for this session
  }
}

class GridSize {
  cell = $state(parseGridCell(stored()));

  set(value: number | string): void {
    this.cell = parseGridCell(String(value));
    try {
      localStorage.setItem(storageKey, String(this.cell));
    } catch {
      // as above: not kept, still applied
    }
  }
}

export const gridSize = new GridSize();
