/**
 * The contract over Electron IPC, main side: one `ipcMain.handle` per call, found by walking the
 * contract. Every request is vetted — the sender must be a top frame of our own renderer
 * (dimsearch://app) and the input must pass the call's schema — before the back end sees it.
 * Answers travel as { ok, value } / { ok: false, error } so the renderer gets the back end's own
 * message instead of Electron's "Error invoking remote method …" wrapping.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { callNames, ipcChannel, ipcEventChannel, parseInput, type Backend, type CallName } from '../api/contract';
import { isAppUrl } from './protocol';

export type IpcAnswer = { ok: true; value: unknown } | { ok: false; error: string };

function trustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

/** Registers every call's handler and forwards back-end events to our windows. Returns an undo. */
export function registerIpc(backend: Backend): () => void {
  for (const name of callNames) {
    ipcMain.handle(ipcChannel(name), async (event, input: unknown): Promise<IpcAnswer> => {
      if (!trustedSender(event)) return { ok: false, error: 'refused: the request did not come from the dimsearch window' };
      try {
        const parsed = parseInput(name, input);
        const handler = backend.handlers[name as CallName] as (input: unknown) => Promise<unknown>;
        return { ok: true, value: await handler(parsed) };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
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
