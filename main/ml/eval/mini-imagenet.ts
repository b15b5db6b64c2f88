/**
 * mini-ImageNet (Vinyals et al. 2016; 100 ImageNet classes, 84×84 JPEGs) as folders:
 * `train/<wnid>/*.jpg` (50,000: training data and the evaluation's memory bank) and
 * `val/<wnid>/*.jpg` (10,000 of the same classes: the evaluation's queries). See datasets.ts.
 */
import { defaultDatasetCache, defaultTarball, ensureDataset, miniImagenetSpec, type DatasetFolders } from './datasets';

export function defaultMiniImagenetTarball(): string {
  return defaultTarball(miniImagenetSpec);
}

export function ensureMiniImagenet(cacheDir = defaultDatasetCache(), tarball = defaultMiniImagenetTarball()): Promise<DatasetFolders> {
  return ensureDataset(miniImagenetSpec, cacheDir, tarball);
}

/** Said on every card of a model trained on it. */
export const MINI_IMAGENET_TERMS =
  'mini-ImageNet is a subset of ImageNet, whose terms allow research and non-commercial use only; the images are not in this repository or the app, only weights learned from them';
