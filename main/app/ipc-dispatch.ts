/**
 * One IPC call, vetted and answered (no Electron here, so it is tested in Node): the sender must
 * be a top frame of our own renderer (dimsearch://app) and the input must pass the call's schema
 * before the back end sees it. Answers travel as { ok, value } / { ok: false, error } so the
 * renderer gets the back end's own message, not Electron's "Error invoking remote method …".
 */
import { parseInput, type Backend, type CallName } from '../api/contract';
import { isAppUrl } from './app-protocol';

export type IpcAnswer = { ok: true; value: unknown } | { ok: false; error: string };

/** Who sent a request: the frame's URL and whether it is a top-level frame. */
export interface IpcSender {
  url: string | undefined;
  isTopFrame: boolean;
}

export async function dispatchIpcCall(backend: Pick<Backend, 'handlers'>, name: CallName, sender: IpcSender | null, input: unknown): Promise<IpcAnswer> {
  if (!sender || !sender.isTopFrame || !isAppUrl(sender.url)) {
    return { ok: false, error: 'refused: the request did not come from the dimsearch window' };
  }
  try {
    const parsed = parseInput(name, input);
    const handler = backend.handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
