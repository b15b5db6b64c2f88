/**
 * Registers the dimsearch:// scheme with Electron: the app's only window loads from it, and library
 * images come from it (what it answers: app-protocol.ts). Serving the renderer from a privileged
 * standard scheme (not file://) gives it a real origin, so the CSP's 'self' means exactly our
 * bundle and IPC senders can be checked by URL.
 */
import { protocol } from 'electron';
import type { Backend } from '../api/contract';
import { answerAppRequest, appScheme } from './app-protocol';

/** Must run before the app is ready. */
export function registerSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
  ]);
}

/** Serve the scheme on the default session. Call once the app is ready. */
export function handleAppProtocol(rendererDir: string, backend: Backend): void {
  protocol.handle(appScheme, (request) => answerAppRequest(request.url, request.method, rendererDir, backend));
}
