/**
 * A pool of HEIC decoder worker threads (./heic-worker.ts). libheif in wasm decodes on one thread,
 * ~1 s of CPU for a 12 MP photo, so decodes run off the JS thread, one worker per core, started
 * on first use and kept (unreferenced while idle, so they never hold a process open).
 *
 * A decode that takes longer than its time limit (a hostile file that makes the decoder spin) ends
 * the worker running it and fails with a reason; a fresh worker takes its place.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HeicReply, HeicRequest } from './heic-worker';

export const DEFAULT_HEIC_TIME_LIMIT_MS = 30_000;

export type HeicJob = Omit<HeicRequest, 'id'>;
export type HeicResult = Extract<HeicReply, { ok: true }>;
export class HeicDecodeFailure extends Error {
  constructor(
    readonly kind: 'corrupt' | 'too-large',
    readonly reason: string,
  ) {
    super(reason);
  }
}

interface Pending {
  job: HeicRequest;
  timeLimitMs: number;
  resolve: (result: HeicResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
  timer: NodeJS.Timeout | null;
}

function startWorker(): Worker {
  const entry = new URL(`./heic-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  // From TypeScript sources the worker registers tsx before importing its entry (as train-in-worker.ts does).
  return entry.pathname.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
          `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
        { eval: true },
      )
    : new Worker(entry);
}

export class HeicPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(readonly size = Math.max(1, availableParallelism())) {}

  decode(job: HeicJob, timeLimitMs = DEFAULT_HEIC_TIME_LIMIT_MS): Promise<HeicResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextId++ }, timeLimitMs, resolve, reject });
      this.pump();
    });
  }

  /** End every worker (a test's or a command's last step; the pool starts them again if used). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.addSlot();
      if (!slot) return;
      this.run(slot, this.queue.shift()!);
    }
  }

  private addSlot(): Slot {
    const slot: Slot = { worker: startWorker(), busy: null, timer: null };
    slot.worker.on('message', (reply: HeicReply | { ready: true }) => {
      if ('ready' in reply) return;
      const pending = slot.busy;
      if (!pending || pending.job.id !== reply.id) return;
      this.finish(slot);
      if (reply.ok) pending.resolve(reply);
      else pending.reject(new HeicDecodeFailure(reply.kind, reply.reason));
      this.pump();
    });
    const lost = (why: string) => {
      this.drop(slot);
      const pending = slot.busy;
      this.finish(slot);
      pending?.reject(new HeicDecodeFailure('corrupt', why));
      this.pump();
    };
    slot.worker.on('error', (error) => lost(`decoder failed: ${error.message}`));
    slot.worker.on('exit', () => lost('decoder failed on this file'));
    this.slots.push(slot);
    return slot;
  }

  private run(slot: Slot, pending: Pending): void {
    slot.busy = pending;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      this.drop(slot);
      this.finish(slot);
      void slot.worker.terminate();
      pending.reject(new HeicDecodeFailure('corrupt', `decoding took longer than ${pending.timeLimitMs / 1000} s: stopped`));
      this.pump();
    }, pending.timeLimitMs);
    // A copy: the caller's buffer may be a reused read buffer, and transferring would detach it.
    slot.worker.postMessage(pending.job);
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
    slot.worker.unref();
  }

  private drop(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
  }
}

/** The process's pool, made on first use. */
let shared: HeicPool | null = null;
export function heicPool(): HeicPool {
  return (shared ??= new HeicPool());
}
