/**
 * A small indexed library for the shell tests (web server, Electron protocol and IPC): a few
 * generated photos, a symlink inside the folder pointing to an image outside it, and a secret
 * file next to the library that no crafted request may ever read.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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
    // Double-encoded, overlong UTF-8 and full-width dots, backslashes, NUL bytes, absolute paths.
    '%252e%252e%252fsecret.txt',
    `${insideId}%252f..%252f..%252fsecret.txt`,
    '%c0%ae%c0%ae%2fsecret.txt',
    '%ef%bc%8e%ef%bc%8e%ef%bc%8fsecret.txt',
    '..%5c..%5csecret.txt',
    `${insideId}%5c..%5c..%5csecret.txt`,
    `${insideId}%00../../secret.txt`,
    `%00${encodeURIComponent(secretPath)}`,
    `${encodeURIComponent(secretPath)}%00.webp`,
    `%2f${secretPath.slice(1).split('/').map(encodeURIComponent).join('%2f')}`,
    `${insideId}/${encodeURIComponent(secretPath)}`,
    `${insideId}.0`,
    `${insideId} `.replace(' ', '%20'),
    `${insideId}%0a`,
    String(Number.MAX_SAFE_INTEGER),
    String(2 ** 53 + 1),
    String(2 ** 31),
    String(2 ** 32),
    '1'.repeat(16),
  ];
}

/**
 * Replace a library photo's cached thumbnail with a symlink to the secret (as if someone planted it
 * in the library folder). Returns the thumbnail's path; the caller restores it with `restore`.
 */
export async function plantEscapingThumbnail(fixture: LibraryFixture, id: number): Promise<{ restore(): Promise<void> }> {
  const path = await fixture.backend.files.thumbnail(id);
  if (!path) throw new Error(`photo ${id} has no thumbnail`);
  const original = await readFile(path);
  await rm(path);
  await symlink(fixture.secretPath, path);
  return {
    async restore() {
      await rm(path);
      await writeFile(path, original);
    },
  };
}
