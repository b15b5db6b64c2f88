/**
 * The contract over Electron IPC, renderer side: exposes `window.dimsearch` (an `Api`) built by
 * walking the contract's call and event names. Runs sandboxed, so it is bundled to CommonJS
 * (main/app/build.mjs) and touches nothing but ipcRenderer and contextBridge; the renderer never
 * sees ipcRenderer or an IPC event object.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { callNames, eventNames, ipcChannel, ipcEventChannel, type EventName } from '../api/contract';
import type { IpcAnswer } from './ipc-dispatch';

const api: Record<string, unknown> = {};

for (const name of callNames) {
  api[name] = async (input: unknown) => {
    const answer = (await ipcRenderer.invoke(ipcChannel(name), input ?? {})) as IpcAnswer;
    if (!answer.ok) throw new Error(answer.error);
    return answer.value;
  };
}

api.on = (event: EventName, listener: (payload: unknown) => void) => {
  if (!eventNames.includes(event)) throw new Error(`unknown event: ${String(event)}`);
  const forward = (_event: IpcRendererEvent, message: { event: EventName; payload: unknown }) => {
    if (message.event === event) listener(message.payload);
  };
  ipcRenderer.on(ipcEventChannel, forward);
  return () => {
    ipcRenderer.removeListener(ipcEventChannel, forward);
  };
};

contextBridge.exposeInMainWorld('dimsearch', api);
