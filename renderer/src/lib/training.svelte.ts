/**
 * The training panel's state: the run under way (picked up again when the page is reopened),
 * its curves as they stream in, and how the last run ended. Only this file talks to the
 * training calls.
 */
import type { CurvePoint, JobFinished, JobProgress, TrainingRequest } from '../../../main/api/contract';
import { api } from './client';
import { errorMessage } from './format';

/** Points kept for the live charts; beyond it every other point is dropped (the saved curves keep their own). */
const maxPoints = 4000;

class TrainingState {
  jobId = $state<string | null>(null);
  name = $state<string | null>(null);
  request = $state<TrainingRequest | null>(null);
  progress = $state<JobProgress | null>(null);
  points = $state.raw<CurvePoint[]>([]);
  finished = $state<JobFinished | null>(null);
  error = $state<string | null>(null);
  starting = $state(false);
  cancelling = $state(false);
  private started = false;
  /** Ends seen before the start call returned (a run that fails at once). */
  private readonly ended = new Map<string, JobFinished>();

  get running(): boolean {
    return this.jobId !== null;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    api.on('trainStep', (step) => {
      if (step.jobId !== this.jobId) return;
      const next = this.points.length >= maxPoints ? this.points.filter((_, i) => i % 2 === 1) : this.points;
      this.points = [...next, { epoch: step.epoch, step: step.step, globalStep: step.globalStep, terms: step.terms, imagesPerSecond: step.imagesPerSecond }];
    });
    api.on('jobProgress', (progress) => {
      if (progress.kind === 'train' && progress.jobId === this.jobId) this.progress = progress;
    });
    api.on('jobFinished', (finished) => {
      if (finished.kind !== 'train') return;
      if (finished.jobId === this.jobId) this.end(finished);
      else this.ended.set(finished.jobId, finished);
    });
    void this.attach();
  }

  /** Pick up a run already going (a page opened or reloaded mid-run). */
  private async attach(): Promise<void> {
    try {
      const active = await api.activeTraining({});
      if (!active || this.jobId) return;
      this.jobId = active.jobId;
      this.name = active.name;
      this.request = active.request;
      this.progress = active.progress;
      this.points = active.steps;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async begin(request: TrainingRequest): Promise<boolean> {
    this.starting = true;
    this.error = null;
    try {
      const { jobId, name } = await api.startTraining(request);
      this.jobId = jobId;
      this.name = name;
      this.request = request;
      this.progress = null;
      this.points = [];
      this.finished = null;
      this.cancelling = false;
      const early = this.ended.get(jobId);
      if (early) this.end(early);
      return true;
    } catch (error) {
      this.error = errorMessage(error);
      return false;
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    if (!this.jobId) return;
    this.cancelling = true;
    try {
      await api.cancelJob({ jobId: this.jobId });
    } catch (error) {
      this.error = errorMessage(error);
      this.cancelling = false;
    }
  }

  private end(finished: JobFinished): void {
    this.finished = finished;
    this.jobId = null;
    this.cancelling = false;
    this.ended.clear();
  }
}

export const training = new TrainingState();
