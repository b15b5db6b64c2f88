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
});
export type LibraryInfo = z.infer<typeof LibraryInfo>;

export const JobKind = z.enum(['index', 'train', 'measure']);
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
  objective: TrainingObjective,
  estimator: TrainingEstimator,
  epochs: z.number().int().min(1).max(1000),
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
  /** A page of the library's photos, in path order. */
  listPhotos: call(
    z.object({ offset: z.number().int().min(0), limit: z.number().int().min(1).max(5000) }),
    z.object({ total: z.number().int(), photos: z.array(Photo) }),
  ),
  /** Files the last runs skipped, with the reason. */
  listSkipped: call(z.object({}), z.array(Skipped)),
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
  /** Re-index the library with another model (by id); searches switch to it when the run completes. */
  useModel: call(z.object({ model: z.string().max(200) }), z.object({ jobId: z.string() })),
  /**
   * A library photo's k nearest under each model (by id). A model whose codes are incomplete
   * gets an indexing job (once) and answers with what it has; call again when that job ends.
   */
  compareSearch: call(
    z.object({ id, k, models: z.array(z.string().max(200)).min(1).max(6) }),
    z.object({ columns: z.array(CompareColumn), overlap: z.array(CompareOverlap) }),
  ),
  /**
   * Measure a model's global and local lower bounds of I(X; Z) on a held-out sample of this
   * library's photos (a job). When it ends, listModels shows them as the card's `information`.
   */
  measureInformation: call(z.object({ model: z.string().max(200), samples: z.number().int().min(32).max(4096).optional() }), z.object({ jobId: z.string() })),
  /** The local feature map C of a library photo under a model (default: the library's). */
  featureMaps: call(z.object({ id, model: z.string().max(200).optional(), top: z.number().int().min(1).max(64).optional() }), FeatureMaps),
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
