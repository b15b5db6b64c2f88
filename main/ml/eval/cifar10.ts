/** CIFAR-10 as folders of JPEGs (`train/<class>/*.jpg`, `test/<class>/*.jpg`): see datasets.ts. */
import { cifar10Spec, defaultDatasetCache, defaultTarball, ensureDataset, type DatasetFolders } from './datasets';

export type Cifar10Folders = DatasetFolders;
export { defaultDatasetCache };

export function defaultCifar10Tarball(): string {
  return defaultTarball(cifar10Spec);
}

export function ensureCifar10(cacheDir = defaultDatasetCache(), tarball = defaultCifar10Tarball()): Promise<Cifar10Folders> {
  return ensureDataset(cifar10Spec, cacheDir, tarball);
}
