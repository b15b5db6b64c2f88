/**
 * The hidden compute window: a sandboxed page (dimsearch://app/compute.html) that runs training
 * steps on the GPU of any vendor through tfjs's webgpu backend, falling back to webgl. Opened on
 * the first training that asks for it and kept for later ones; the core reaches it as a
 * ComputeChannel (main/ml/dim/step-executor.ts).
 */
import { BrowserWindow, ipcMain, type IpcMainEvent } from 'electron';
import type { ComputeChannel } from '../ml/dim/step-executor';
import { appOrigin } from './app-protocol';
import { computeCallChannel, computeReplyChannel, type ComputeReplyMessage } from './compute-channel';
import { computeWindowOptions } from './window-config';

export function computeWindowOpener(preloadPath: string): () => Promise<ComputeChannel> {
  let opened: Promise<ComputeChannel> | null = null;
  return () => {
    opened ??= open(preloadPath).catch((error: unknown) => {
      opened = null;
      throw error;
    });
    return opened;
  };
}

async function open(preloadPath: string): Promise<ComputeChannel> {
  const window = new BrowserWindow(computeWindowOptions(preloadPath));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const onReply = (event: IpcMainEvent, message: ComputeReplyMessage) => {
    if (event.sender !== window.webContents) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(message.error));
  };
  ipcMain.on(computeReplyChannel, onReply);
  const failAll = (reason: string) => {
    for (const waiter of pending.values()) waiter.reject(new Error(reason));
    pending.clear();
  };
  window.webContents.on('render-process-gone', (_event, details) => failAll(`the compute window stopped (${details.reason})`));
  window.on('closed', () => {
    ipcMain.removeListener(computeReplyChannel, onReply);
    failAll('the compute window was closed');
  });
  await window.loadURL(`${appOrigin}/compute.html`);
  return {
    call(method, payload) {
      if (window.isDestroyed()) return Promise.reject(new Error('the compute window was closed'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        window.webContents.send(computeCallChannel, { id, method, payload });
      });
    },
  };
}
