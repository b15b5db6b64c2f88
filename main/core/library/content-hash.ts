/**
 * A photo's identity is the hash of its bytes: a moved or copied photo keeps its code and its
 * thumbnail. XXH3-128 (hash-wasm): about 0.8 ms for a 3 MB JPEG here against 2.7 ms for SHA-1, on
 * the JS thread, for every new file indexed. Not a cryptographic hash; it only has to tell a
 * user's own photos apart, and 128 bits make an accidental collision out of reach.
 *
 * Libraries indexed before this used SHA-1 (40 hex digits against 32): their rows keep it until
 * the file changes, and the indexer compares with SHA-1 where a row still has one, so a moved or
 * touched photo of such a library keeps its code without a decode.
 */
import { createHash } from 'node:crypto';
import { createXXHash128, type IHasher } from 'hash-wasm';

// One hasher, used synchronously (init → update → digest with no await between): hash-wasm's
// one-shot xxhash128() takes a lock and a promise per call.
let hasher: IHasher | null = null;

export async function contentHash(bytes: Uint8Array): Promise<string> {
  hasher ??= await createXXHash128();
  return hasher.init().update(bytes).digest('hex');
}

/** Hex length of the hashes written by versions that used SHA-1. */
export const LEGACY_HASH_LENGTH = 40;

export function isLegacyContentHash(hash: string): boolean {
  return hash.length === LEGACY_HASH_LENGTH;
}

export function legacyContentHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}
