/**
 * A small indexed library for the shell tests (web server, Electron protocol and IPC): a few
 * generated photos, a symlink inside the folder pointing to an image outside it, and a secret
 * file next to the library that no crafted request may ever read.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../../main/api/contract';
import { createBackend } from '../../../main/core/backend';
import { encodePhoto, makePhotoFolder, photoPixels } from '../../e2e/make-photos';

export const secret = 'TOP-SECRET-CONTENT';

export interface LibraryFixture {
  base: string;
  photosDir: string;
  secretPath: string;
  backend: Backend;
  /** Number of photos indexed (good photos plus the symlinked one). */
  photoCount: number;
  close(): Promise<void>;
}

export async function indexedLibrary(goodPhotos = 6): Promise<LibraryFixture> {
  const base = await mkdtemp(join(tmpdir(), 'dimsearch-shell-'));
  const photosDir = join(base, 'photos');
  await makePhotoFolder(photosDir, goodPhotos);
  await mkdir(join(base, 'elsewhere'));
  await writeFile(join(base, 'elsewhere', 'outside.png'), await encodePhoto(photoPixels(1, 2, 77), 'png'));
  await symlink(join(base, 'elsewhere', 'outside.png'), join(photosDir, 'linked-out.png'));
  const secretPath = join(base, 'secret.txt');
  await writeFile(secretPath, secret);

  const backend = await createBackend({ libraryDir: join(base, 'library'), desktop: null });
  const finished = new Promise<void>((resolve) => {
    const stop = backend.subscribe((event) => {
      if (event === 'jobFinished') {
        stop();
        resolve();
      }
    });
  });
  await backend.handlers.addFolder({ path: photosDir });
  await finished;
  return {
    base,
    photosDir,
    secretPath,
    backend,
    photoCount: goodPhotos + 1,
    async close() {
      await backend.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Ids a crafted request might use to reach outside the library, given a real id and the secret's path. */
export function craftedIds(insideId: number, secretPath: string): string[] {
  return [
    '..',
    '../secret.txt',
    '../../secret.txt',
    '..%2fsecret.txt',
    '..%2F..%2Fsecret.txt',
    '%2e%2e%2fsecret.txt',
    '%2e%2e/%2e%2e/secret.txt',
    '..%5csecret.txt',
    `${insideId}/../../secret.txt`,
    `${insideId}%2f..%2f..%2fsecret.txt`,
    encodeURIComponent(secretPath),
    `/${secretPath}`,
    secretPath.replace(/^\//, ''),
    '%00',
    `${insideId}%00`,
    `${insideId}.webp`,
    `-${insideId}`,
    `0${insideId}`,
    `${insideId}e0`,
    '0x1',
    '9'.repeat(20),
    '9'.repeat(5000),
    '18446744073709551617',
    '999999999',
    'file:%2f%2f%2fetc%2fpasswd',
  ];
}
