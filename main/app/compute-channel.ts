/**
 * The IPC names and message shapes between the main process and the hidden compute window
 * (compute-window.ts ⇄ compute-preload.ts). No Electron import: the preload bundle takes it too.
 */
import type { ComputeMethod } from '../ml/dim/step-executor';

export const computeCallChannel = 'dimsearch:compute-call';
export const computeReplyChannel = 'dimsearch:compute-reply';

export interface ComputeCallMessage {
  id: number;
  method: ComputeMethod;
  payload: unknown;
}

export type ComputeReplyMessage = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
