/**
 * The one declaration of every call between the renderer and the back end.
 *
 * Electron's IPC handlers (main/app/ipc.ts), the preload bridge (main/app/preload.ts),
 * the web server (main/server/http.ts) and the renderer's client (renderer/src/lib/client.ts)
 * are all built by walking `calls` and `events` below: a call is named, typed and validated
 * here and nowhere else. Inputs are validated at the back end's door with these schemas;
 * outputs are typed from them.
 */
import { z } from 'zod';

// ---------- shared shapes ----------

export const Photo = z.object({
  id: z.number().int(),
  path: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
});
export type Photo = z.infer<typeof Photo>;

export const SearchHit = z.object({
  id: z.number().int().nullable(), // null when the hit is not a library photo (never today, kept for clarity)
  path: z.string(),
  score: z.number(), // cosine similarity, 1 = identical code
});
export type SearchHit = z.infer<typeof SearchHit>;

/** How the grid orders photos: file name, date taken (EXIF DateTimeOriginal, else file time; newest first), or folder then name. */
export const PhotoSort = z.enum(['name', 'date', 'folder']);
export type PhotoSort = z.infer<typeof PhotoSort>;

/** What the full-size viewer shows about a photo. */
export const PhotoDetails = z.object({
  id: z.number().int(),
  path: z.string(),
  /** File size in bytes. */
  bytes: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** When it was taken (EXIF DateTimeOriginal, ms since 1970), null when the file does not say. */
  takenAt: z.number().nullable(),
  /** The file's modification time (ms since 1970). */
  modifiedAt: z.number(),
});
export type PhotoDetails = z.infer<typeof PhotoDetails>;

/** A folder of the library (as added), or a folder inside one holding photos directly. */
export const FolderSummary = z.object({
  path: z.string(),
  photoCount: z.number().int(),
});
export type FolderSummary = z.infer<typeof FolderSummary>;

export const Skipped = z.object({ path: z.string(), reason: z.string() });
export type Skipped = z.infer<typeof Skipped>;

export const ModelInfo = z.object({
  id: z.string(), // stable id: name + short hash of weights
  name: z.string(),
  dir: z.string(),
  inputSize: z.number().int(),
  dim: z.number().int(),
  card: z.record(z.string(), z.unknown()),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const LibraryInfo = z.object({
  libraryDir: z.string(),
  folders: z.array(z.string()),
  photoCount: z.number().int(),
  skippedCount: z.number().int(),
  model: ModelInfo,
  /** Whether this front end can open native dialogs / reveal files (desktop yes, web no). */
  desktop: z.boolean(),
  /** Whether training can run in a GPU compute window (the desktop app: webgpu, else webgl). */
  gpuWindow: z.boolean(),
  /** The index job under way (its latest progress), so a page opened mid-run shows it at once; null when none. */
  indexing: z.lazy(() => JobProgress).nullable(),
});
export type LibraryInfo = z.infer<typeof LibraryInfo>;

export const JobKind = z.enum(['index', 'train', 'measure', 'duplicates']);
export const JobProgress = z.object({
  jobId: z.string(),
  kind: JobKind,
  phase: z.string(), // e.g. 'scanning', 'indexing', 'training', 'saving'
  done: z.number().int(),
  total: z.number().int(),
  ratePerSecond: z.number(), // photos/s for index, images/s for train
  etaSeconds: z.number().nullable(),
  message: z.string().optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const JobFinished = z.object({
  jobId: z.string(),
  kind: JobKind,
  status: z.enum(['done', 'cancelled', 'failed']),
  error: z.string().optional(),
  indexed: z.number().int().optional(),
  skipped: z.array(Skipped).optional(),
  seconds: z.number(),
  /** A training job that finished: the id of the model it saved (listed by listModels). */
  modelId: z.string().optional(),
  /** A duplicates clean-up or its undo: files moved to the trash, or back from it (`skipped`: those left alone, with why). */
  moved: z.number().int().optional(),
  /** An index job: what it was for and what changed, so the page can say what happened. */
  report: z
    .object({
      /**
       * 'add-folder': a folder added; 'reindex': every folder re-scanned; 'exclusions': re-scanned after the
       * folders to leave out changed (its `removed` are photos left out, not files gone); 'watch': files
       * changed on disk; 'model': codes of another model; 'switch': the search switched to another model.
       */
      purpose: z.enum(['add-folder', 'reindex', 'exclusions', 'watch', 'model', 'switch']),
      /** The folder an add-folder or watch run was about. */
      folder: z.string().optional(),
      /** The model whose codes the run computed (its name). */
      modelName: z.string().optional(),
      /** Photos in the folder(s) after the run; 0 for a folder without photos. */
      found: z.number().int(),
      /** Photos whose files were gone (deleted or moved away) and left the library. */
      removed: z.number().int(),
      /** Photos whose codes were already up to date. */
      unchanged: z.number().int(),
    })
    .optional(),
});
export type JobFinished = z.infer<typeof JobFinished>;

export const TrainStep = z.object({
  jobId: z.string(),
  /** 1-based epoch and step within it; globalStep counts steps over the whole run (1-based). */
  epoch: z.number().int(),
  step: z.number().int(),
  globalStep: z.number().int(),
  epochs: z.number().int(),
  stepsPerEpoch: z.number().int(),
  /** Each loss term and MI lower bound by name, e.g. {loss, global, local, kl, miGlobal, miLocal}. */
  terms: z.record(z.string(), z.number()),
  imagesPerSecond: z.number(),
});
export type TrainStep = z.infer<typeof TrainStep>;

// ---------- training, comparison, feature maps ----------

export const TrainingObjective = z.enum(['both', 'global', 'local']);
export const TrainingEstimator = z.enum(['jsd', 'infonce', 'dv']);

export const TrainingRequest = z.object({
  /** Folder of photos to learn from; default: every folder of the library. */
  folder: z.string().min(1).max(4096).optional(),
  /**
   * Continue training this model (by id) instead of starting from scratch — "adapt to this
   * library": its encoder's weights and its own recipe are the start; the critics start fresh.
   */
  from: z.string().max(200).optional(),
  /** Unset: the model's own recipe (with `from`), else the shared defaults (main/ml/dim/train-defaults.ts). */
  objective: TrainingObjective.optional(),
  estimator: TrainingEstimator.optional(),
  epochs: z.number().int().min(1).max(1000).optional(),
  /** Two augmented views per photo: random resized crops, flips, colour… ('photo') or REFERENCE's pad-and-crop. */
  augmentation: z.enum(['photo', 'pad-crop']).optional(),
  size: z.union([z.literal(32), z.literal(64)]).optional(),
  batchSize: z.number().int().min(2).max(1024).optional(),
  /** Use at most this many photos (a random subset). */
  limit: z.number().int().min(2).optional(),
  /** Where the math runs: this machine's best tfjs backend off the UI thread (default), or the GPU compute window. */
  compute: z.enum(['this-process', 'gpu-window']).optional(),
  /** Model name (letters, digits, . _ -); default from objective, estimator and time. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a model name is 1–64 letters, digits, dots, dashes or underscores')
    .optional(),
});
export type TrainingRequest = z.infer<typeof TrainingRequest>;

/** One point of a training curve: every term of one step (or the mean over one epoch). */
export const CurvePoint = z.object({
  epoch: z.number().int(),
  step: z.number().int(),
  globalStep: z.number().int(),
  terms: z.record(z.string(), z.number()),
  imagesPerSecond: z.number(),
});
export type CurvePoint = z.infer<typeof CurvePoint>;

export const TrainingCurves = z.object({
  /** Per step, in order (long runs are thinned to a few thousand points, first and last kept). */
  steps: z.array(CurvePoint),
  /** Mean terms of each completed epoch. */
  epochs: z.array(z.record(z.string(), z.number())),
});
export type TrainingCurves = z.infer<typeof TrainingCurves>;

export const ActiveTraining = z.object({
  jobId: z.string(),
  name: z.string(),
  request: TrainingRequest,
  progress: JobProgress.nullable(),
  /** Steps so far (thinned like saved curves), so a reopened page can draw the curves. */
  steps: z.array(CurvePoint),
});
export type ActiveTraining = z.infer<typeof ActiveTraining>;

/** One model's figures on the held-out photos of a training run (no labels needed). */
export const HeldOutModelFigures = z.object({
  modelId: z.string(),
  name: z.string(),
  /** 'current': the library's search model when the run started; 'new': the model the run made. */
  role: z.enum(['current', 'new']),
  /** Edited copies of held-out photos searched among them (main/ml/eval/copies.ts); shares 0..1. */
  copies: z
    .object({
      n: z.number().int(),
      top1: z.number(),
      top10: z.number(),
      copyScore: z.object({ p5: z.number(), p50: z.number() }),
      otherScore: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }),
    })
    .nullable(),
  /** Lower bounds of I(X; Z) in nats (main/ml/information.ts). */
  information: z.object({ miGlobal: z.number(), miLocal: z.number(), estimator: z.string(), cap: z.number().nullable() }).nullable(),
  /** Median cosine between the codes of different photos; above 0.9 the codes have collapsed. */
  spread: z.object({ medianCosine: z.number(), collapsed: z.boolean() }),
});
export type HeldOutModelFigures = z.infer<typeof HeldOutModelFigures>;

/** A finished training's model against the model that was current, on photos held out of its training. */
export const HeldOutComparison = z.object({
  heldOut: z.object({ photos: z.number().int(), seed: z.number().int(), share: z.number(), description: z.string() }),
  current: HeldOutModelFigures,
  candidate: HeldOutModelFigures,
  /** Advice only: the user chooses. A collapsed model is never 'better'. */
  verdict: z.enum(['better', 'worse', 'mixed', 'collapsed']),
  summary: z.string(),
  notes: z.array(z.string()),
  measuredAt: z.string(),
});
export type HeldOutComparison = z.infer<typeof HeldOutComparison>;

export const CompareColumn = z.object({
  modelId: z.string(),
  name: z.string(),
  /** The query photo's k nearest under this model (the query itself left out), best first. */
  hits: z.array(SearchHit),
  /** Library photos with a code under this model / all library photos. */
  coded: z.number().int(),
  total: z.number().int(),
  /** Set while codes are missing: the job indexing the library with this model. */
  indexingJobId: z.string().nullable(),
  /** Why there are no hits (e.g. the query photo has no code under this model yet). */
  note: z.string().nullable(),
});
export type CompareColumn = z.infer<typeof CompareColumn>;

export const CompareOverlap = z.object({
  a: z.string(),
  b: z.string(),
  /** Photos in both lists. */
  shared: z.number().int(),
  /** shared / |A ∪ B|. */
  jaccard: z.number(),
});
export type CompareOverlap = z.infer<typeof CompareOverlap>;

export const ChannelMap = z.object({
  channel: z.number().int(),
  /** Mean and variance of the channel over the map's positions. */
  mean: z.number(),
  variance: z.number(),
  /** Histogram MI (nats) between the photo's grey levels and this channel (upsampled). */
  mi: z.number(),
  /** The channel's values, row-major height × width. */
  values: z.array(z.number()),
});
export type ChannelMap = z.infer<typeof ChannelMap>;

export const FeatureMaps = z.object({
  modelId: z.string(),
  modelName: z.string(),
  /** Side of the model's input, and of the local map C (height × width × channels). */
  inputSize: z.number().int(),
  height: z.number().int(),
  width: z.number().int(),
  channels: z.number().int(),
  /** The strongest channels by mean activation, strongest first. */
  strongest: z.array(ChannelMap),
  /** The first three principal components of C's channel vectors as RGB bytes (height × width × 3). */
  pca: z.object({ rgb: z.array(z.number().int()), explained: z.array(z.number()) }),
  /** Every channel's histogram MI with the grey levels, highest first. */
  mi: z.array(z.object({ channel: z.number().int(), mi: z.number() })),
  /** Histogram bins per variable, and the grey levels' own entropy (the MI's upper bound) in nats. */
  bins: z.number().int(),
  greyEntropy: z.number(),
});
export type FeatureMaps = z.infer<typeof FeatureMaps>;

// ---------- duplicates ----------

export const DuplicatePhoto = z.object({
  id: z.number().int(),
  path: z.string(),
  /** Likeness to the group's kept photo (codes and colour layouts, main/ml/eval/likeness.ts; 1 for it and for byte-identical files). */
  score: z.number(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  bytes: z.number().int(),
  /** Modification time, ms since the epoch. */
  mtime: z.number(),
  /** Same bytes as the kept photo. */
  identical: z.boolean(),
});
export type DuplicatePhoto = z.infer<typeof DuplicatePhoto>;

export const DuplicateGroups = z.object({
  threshold: z.number(),
  /** The threshold the library's model suggests, and where it comes from, in words. */
  defaultThreshold: z.number(),
  thresholdSource: z.string(),
  /** Largest first; in each, the suggested photo to keep first (most pixels, larger file, oldest). */
  groups: z.array(z.object({ keep: z.string(), keepReason: z.string(), photos: z.array(DuplicatePhoto) })),
  photos: z.number().int(),
  coded: z.number().int(),
  seconds: z.number(),
  /** The clean-up an undo would reverse, if any. */
  lastCleanup: z.object({ at: z.number(), files: z.number().int() }).nullable(),
});
export type DuplicateGroups = z.infer<typeof DuplicateGroups>;

/** A file as the grouping saw it (a clean-up moves it only if it is still exactly that). */
const GroupedFile = z.object({ path: z.string().min(1).max(4096), bytes: z.number().int().nonnegative(), mtime: z.number() });
export const DuplicateMove = z.object({ keep: GroupedFile, move: z.array(GroupedFile).min(1).max(10_000) });
export type DuplicateMove = z.infer<typeof DuplicateMove>;

// ---------- calls ----------

const id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const k = z.number().int().min(1).max(500);
const fsPath = z.string().min(1).max(4096);

function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output };
}

export const calls = {
  /** State of the open library and the model its index was built with. */
  libraryInfo: call(z.object({}), LibraryInfo),
  /** Desktop only: a native folder picker. Web mode answers null (the page asks for a path instead). */
  pickFolder: call(z.object({}), z.string().nullable()),
  /** Add a folder and start indexing it (only new or changed files are processed). */
  addFolder: call(z.object({ path: fsPath }), z.object({ jobId: z.string() })),
  /** Re-scan every folder of the library. */
  reindex: call(z.object({}), z.object({ jobId: z.string() })),
  cancelJob: call(z.object({ jobId: z.string().max(100) }), z.boolean()),
  /** A page of the library's photos, in path order (or `sort`), optionally only those in `folder` and below. */
  listPhotos: call(
    z.object({
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(5000),
      sort: PhotoSort.optional(),
      folder: fsPath.optional(),
    }),
    z.object({ total: z.number().int(), photos: z.array(Photo) }),
  ),
  /** The library's folders (as added) and every folder inside them that holds photos, with counts. */
  listFolders: call(z.object({}), z.object({ roots: z.array(FolderSummary), folders: z.array(FolderSummary) })),
  /**
   * Take a folder (as added) out of the library: its photos leave the index and the store; the
   * files themselves are not touched. Runs after any index run under way.
   */
  removeFolder: call(z.object({ path: fsPath }), z.object({ removed: z.number().int() })),
  /** File facts of a library photo for the viewer: size, dimensions, date taken. */
  photoDetails: call(z.object({ id }), PhotoDetails),
  /** Desktop only: open a library photo in the system's default app. Web mode answers false. */
  openPhoto: call(z.object({ id }), z.boolean()),
  /** Files the last runs skipped, with the reason. */
  listSkipped: call(z.object({}), z.array(Skipped)),
  /** The library's glob patterns of folders and files to leave out (relative to each folder, e.g. `**\/node_modules`). */
  exclusions: call(z.object({}), z.array(z.string())),
  /**
   * Replace the exclusion patterns and re-scan the library: photos under a newly excluded folder
   * leave the index, photos no longer excluded come back. Answers the patterns as kept.
   */
  setExclusions: call(
    z.object({ globs: z.array(z.string().max(1000)).max(200) }),
    z.object({ globs: z.array(z.string()), jobId: z.string() }),
  ),
  /** k nearest library photos to a library photo, best first (the photo itself first, score ≈ 1). */
  searchByPhoto: call(z.object({ id, k }), z.array(SearchHit)),
  /** k nearest library photos to any image (e.g. one dropped on the window), given as base64 bytes. */
  searchByImage: call(
    z.object({ name: z.string().max(1024), base64: z.string().max(200 * 1024 * 1024), k }),
    z.array(SearchHit),
  ),
  /** Desktop only: reveal a library photo in the file manager. Web mode answers false. */
  showInFolder: call(z.object({ id }), z.boolean()),
  listModels: call(z.object({}), z.array(ModelInfo)),
  /** Train a DIM encoder off the main thread; trainStep events stream its curves. One at a time. */
  startTraining: call(TrainingRequest, z.object({ jobId: z.string(), name: z.string() })),
  /** The training under way (for a page opened mid-run), or null. */
  activeTraining: call(z.object({}), ActiveTraining.nullable()),
  /** Saved curves of a model (trained in the app, or by the CLI when it saved them); null when none. */
  trainingCurves: call(z.object({ model: z.string().max(200) }), TrainingCurves.nullable()),
  /**
   * How a model trained in the app compares with the model that was current, on photos held out
   * of its training; `reason` says why there is no comparison (too few photos, cancelled).
   */
  trainingComparison: call(z.object({ model: z.string().max(200) }), z.object({ comparison: HeldOutComparison.nullable(), reason: z.string().nullable() })),
  /** Re-index the library with another model (by id); searches switch to it when the run completes. */
  useModel: call(z.object({ model: z.string().max(200) }), z.object({ jobId: z.string() })),
  /**
   * A library photo's k nearest under each model (by id). A model whose codes are incomplete
   * answers with what it has; with computeMissing it also gets an indexing job (once): call again
   * when that job ends.
   */
  compareSearch: call(
    // computeMissing: start computing the codes a model lacks (heavy: the page asks first); otherwise answer with what there is.
    z.object({ id, k, models: z.array(z.string().max(200)).min(1).max(6), computeMissing: z.boolean().optional() }),
    z.object({ columns: z.array(CompareColumn), overlap: z.array(CompareOverlap) }),
  ),
  /**
   * Measure a model's global and local lower bounds of I(X; Z) on a held-out sample of this
   * library's photos (a job). When it ends, listModels shows them as the card's `information`.
   */
  measureInformation: call(z.object({ model: z.string().max(200), samples: z.number().int().min(32).max(4096).optional() }), z.object({ jobId: z.string() })),
  /** The local feature map C of a library photo under a model (default: the library's). */
  featureMaps: call(z.object({ id, model: z.string().max(200).optional(), top: z.number().int().min(1).max(64).optional() }), FeatureMaps),
  /** Groups of copies and near-copies at a threshold (default: from the model's measured copy scores). */
  findDuplicates: call(z.object({ threshold: z.number().gt(0).max(1).optional() }), DuplicateGroups),
  /**
   * Move chosen photos of duplicate groups to the system trash (a job; never a delete). A photo that
   * changed or vanished since grouping, or whose group's kept photo did, is left alone (the job's `skipped`).
   */
  trashDuplicates: call(z.object({ groups: z.array(DuplicateMove).min(1).max(100_000) }), z.object({ jobId: z.string() })),
  /** Put the files of the last clean-up back from the trash and index them again (a job). */
  undoDuplicates: call(z.object({}), z.object({ jobId: z.string() })),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>;
export type CallOutput<N extends CallName> = z.infer<Calls[N]['output']>;

// ---------- events (back end → renderer) ----------

export const events = {
  jobProgress: JobProgress,
  jobFinished: JobFinished,
  trainStep: TrainStep,
  /** The photo set changed (new index results, watcher updates): the grid should refresh. */
  libraryChanged: z.object({ photoCount: z.number().int() }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

/** The back end's side of the contract: one async function per call. */
export type Handlers = { [N in CallName]: (input: z.infer<Calls[N]['input']>) => Promise<CallOutput<N>> };

/** What a front end sees: the same calls, plus event subscription. */
export type Api = {
  [N in CallName]: (input: CallInput<N>) => Promise<CallOutput<N>>;
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

/** Validate a call's input at the back end's door; throws a readable error. */
export function parseInput<N extends CallName>(name: N, input: unknown): z.infer<Calls[N]['input']> {
  if (!Object.hasOwn(calls, name)) throw new Error(`unknown call: ${String(name)}`);
  const result = calls[name].input.safeParse(input ?? {});
  if (!result.success) throw new Error(`invalid input for ${name}: ${z.prettifyError(result.error)}`);
  return result.data as z.infer<Calls[N]['input']>;
}

/** IPC channel names, derived, so preload and main never spell them twice. */
export const ipcChannel = (name: CallName) => `dimsearch:call:${name}`;
export const ipcEventChannel = 'dimsearch:event';

/**
 * A running back end, as the shells (Electron IPC, web server, tests) see it: the handlers
 * for every call and a stream of events. main/core/backend.ts makes one for a library.
 */
export interface Backend {
  handlers: Handlers;
  /** Subscribe to every event; returns an unsubscribe function. */
  subscribe(listener: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void;
  /**
   * Files behind a photo id, for the thumbnail/photo protocol (not a call: shells serve bytes).
   * Each answers a path or null; shells still confine the path to `roots()` before serving it.
   */
  files: {
    thumbnail(id: number): Promise<string | null>;
    photo(id: number): Promise<string | null>;
    /** Folders files may be served from: the library's own folder and its photo folders. */
    roots(): string[];
  };
  close(): Promise<void>;
}
