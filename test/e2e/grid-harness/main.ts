/**
 * Mounts the renderer's real Grid component alone, with N synthetic photos (N from ?total=), so a
 * browser test can check that a 100,000-photo library keeps only the visible rows in the page.
 */
import { mount } from 'svelte';
import Grid from '../../../renderer/src/components/Grid.svelte';
import '../../../renderer/src/app.css';

const total = Number(new URLSearchParams(location.search).get('total') ?? 100000);
const opened: number[] = [];
(window as unknown as { opened: number[] }).opened = opened;

const target = document.getElementById('app')!;
target.style.height = '100vh';
mount(Grid, {
  target,
  props: {
    total,
    photoAt: (index: number) => ({ id: index + 1, path: `/photos/${String(index).padStart(6, '0')}.jpg`, width: 64, height: 64 }),
    onOpen: (photo: { id: number }) => opened.push(photo.id),
  },
});
