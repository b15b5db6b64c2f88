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
});
export type LibraryInfo = z.infer<typeof LibraryInfo>;

export const JobKind = z.enum(['index', 'train']);
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
});
export type JobFinished = z.infer<typeof JobFinished>;

export const TrainStep = z.object({
  jobId: z.string(),
  epoch: z.number().int(),
  step: z.number().int(),
  /** Each loss term and MI lower bound by name, e.g. {loss, global, local, kl, miGlobal, miLocal}. */
  terms: z.record(z.string(), z.number()),
  imagesPerSecond: z.number(),
});
export type TrainStep = z.infer<typeof TrainStep>;

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
