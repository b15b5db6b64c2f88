/**
 * The contract over Electron IPC, main side: one `ipcMain.handle` per call, found by walking the
 * contract; each request is vetted and answered by dispatchIpcCall. Back-end events are forwarded
 * to our own windows only.
 */
import { BrowserWindow, ipcMain } from 'electron';
import { callNames, ipcChannel, ipcEventChannel, type Backend } from '../api/contract';
import { isAppUrl } from './app-protocol';
import { dispatchIpcCall } from './ipc-dispatch';

/** Registers every call's handler and forwards back-end events to our windows. Returns an undo. */
export function registerIpc(backend: Backend): () => void {
  for (const name of callNames) {
    ipcMain.handle(ipcChannel(name), (event, input: unknown) => {
      const frame = event.senderFrame;
      return dispatchIpcCall(backend, name, frame ? { url: frame.url, isTopFrame: frame.parent === null } : null, input);
    });
  }
  const unsubscribe = backend.subscribe((event, payload) => {
    for (const window of BrowserWindow.getAllWindows()) {
      const contents = window.webContents;
      if (!contents.isDestroyed() && isAppUrl(contents.getURL())) contents.send(ipcEventChannel, { event, payload });
    }
  });
  return () => {
    unsubscribe();
    for (const name of callNames) ipcMain.removeHandler(ipcChannel(name));
  };
}
