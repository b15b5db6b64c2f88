/**
 * Preload of the hidden compute window: carries the main process's training calls to the page's
 * handler (renderer/src/compute/main.ts) and its answers back. The page sees only `serve`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { computeCallChannel, computeReplyChannel, type ComputeCallMessage, type ComputeReplyMessage } from './compute-channel';

type Handler = (method: ComputeCallMessage['method'], payload: unknown) => Promise<unknown>;

let serving = false;
contextBridge.exposeInMainWorld('dimsearchComputeBridge', {
  serve(handler: Handler) {
    if (serving) throw new Error('the compute window is already serving');
    serving = true;
    ipcRenderer.on(computeCallChannel, (_event: IpcRendererEvent, message: ComputeCallMessage) => {
      handler(message.method, message.payload).then(
        (value) => ipcRenderer.send(computeReplyChannel, { id: message.id, ok: true, value } satisfies ComputeReplyMessage),
        (error: unknown) =>
          ipcRenderer.send(computeReplyChannel, { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies ComputeReplyMessage),
      );
    });
  },
});
