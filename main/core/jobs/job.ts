/**
 * Long work as a Job: an id, throttled progress events (done, total, rate, time left, phase),
 * cancellation through an AbortController, and a result. The work itself receives a
 * `JobContext` and never deals with listeners or timing.
 */
import { randomUUID } from 'node:crypto';

export type JobStatus = 'running' | 'done' | 'cancelled' | 'failed';

export interface Progress {
  phase: string;
  done: number;
  total: number;
  /** Items per second over the recent past of this phase. */
  ratePerSecond: number;
  /** Seconds left at the current rate; null while unknown. */
  etaSeconds: number | null;
  message?: string;
}

export interface JobContext {
  signal: AbortSignal;
  /** Report progress; cheap to call per item (events are throttled). */
  report(phase: string, done: number, total: number, message?: string): void;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function isCancellation(error: unknown, signal?: AbortSignal): boolean {
  return error instanceof CancelledError || (error as Error)?.name === 'AbortError' || signal?.aborted === true;
}

/**
 * Turns (phase, done, total) samples into rate and time left, and decides when a sample is worth
 * emitting: on a phase change, at the end of a phase, or after `intervalMs`.
 */
export class ProgressMeter {
  private phase = '';
  private samples: { t: number; done: number }[] = [];
  private lastEmit = 0;

  constructor(
    private readonly intervalMs = 250,
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The progress to emit for this sample, or null when it is too soon after the last one. */
  sample(phase: string, done: number, total: number, message?: string): Progress | null {
    const t = this.now();
    const newPhase = phase !== this.phase;
    if (newPhase) {
      this.phase = phase;
      this.samples = [];
    }
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
    const finished = total > 0 && done >= total;
    if (!newPhase && !finished && t - this.lastEmit < this.intervalMs) return null;
    this.lastEmit = t;
    const first = this.samples[0]!;
    const seconds = (t - first.t) / 1000;
    const ratePerSecond = seconds > 0 ? Math.max(0, done - first.done) / seconds : 0;
    const etaSeconds = ratePerSecond > 0 && total >= done ? (total - done) / ratePerSecond : finished ? 0 : null;
    return { phase, done, total, ratePerSecond, etaSeconds, ...(message ? { message } : {}) };
  }
}

export type JobKind = 'index' | 'train' | 'measure' | 'duplicates';

export interface JobEnd<R> {
  status: Exclude<JobStatus, 'running'>;
  result?: R;
  error?: string;
  seconds: number;
}

export class Job<R> {
  readonly id = randomUUID();
  readonly startedAt = Date.now();
  private readonly controller = new AbortController();
  private readonly progressListeners = new Set<(p: Progress) => void>();
  private readonly meter = new ProgressMeter();
  private state: JobStatus = 'running';
  private latest: Progress | null = null;
  /** Settles when the work ends; never rejects (see `end.status`). */
  readonly finished: Promise<JobEnd<R>>;

  constructor(
    readonly kind: JobKind,
    work: (context: JobContext) => Promise<R>,
  ) {
    const context: JobContext = {
      signal: this.controller.signal,
      report: (phase, done, total, message) => {
        const progress = this.meter.sample(phase, done, total, message);
        if (!progress) return;
        this.latest = progress;
        for (const listener of this.progressListeners) listener(progress);
      },
    };
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    this.finished = Promise.resolve()
      .then(() => work(context))
      .then(
        (result): JobEnd<R> => {
          // Work that saw the abort and returned its partial result counts as cancelled.
          this.state = this.controller.signal.aborted ? 'cancelled' : 'done';
          return { status: this.state, result, seconds: seconds() };
        },
        (error: unknown): JobEnd<R> => {
          this.state = isCancellation(error, this.controller.signal) ? 'cancelled' : 'failed';
          return {
            status: this.state,
            ...(this.state === 'failed' ? { error: error instanceof Error ? error.message : String(error) } : {}),
            seconds: seconds(),
          };
        },
      );
  }

  get status(): JobStatus {
    return this.state;
  }

  get progress(): Progress | null {
    return this.latest;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ask the work to stop; it ends as soon as it reaches a safe point. False if already over. */
  cancel(): boolean {
    if (this.state !== 'running' || this.controller.signal.aborted) return false;
    this.controller.abort(new CancelledError());
    return true;
  }

  onProgress(listener: (p: Progress) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }
}
