/**
 * Which view the workspace shows, and the photo the Compare and Feature maps views look at
 * (set from the results panel, or by clicking a photo inside those views).
 */
export type View = 'library' | 'compare' | 'features' | 'train' | 'duplicates';

export interface FocusPhoto {
  id: number;
  path: string;
}

class Navigation {
  view = $state<View>('library');
  focus = $state<FocusPhoto | null>(null);

  open(view: View, photo?: FocusPhoto): void {
    if (photo) this.focus = { id: photo.id, path: photo.path };
    this.view = view;
  }
}

export const nav = new Navigation();
