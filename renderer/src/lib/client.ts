/**
 * The renderer's one way to reach the back end: an `Api` object built from the contract.
 *
 * In the desktop app the preload script has already put one on `window.dimsearch` (IPC).
 * In a browser (web mode) we build the same object over HTTP: each call is POST /api/<name>,
 * events arrive over one EventSource. The token comes in the page's URL once; it is kept in
 * localStorage (the library keeps the same token from launch to launch, so a bookmark of the bare
 * address works) and removed from the address bar. Without a token, or with a refused one, the page
 * shows one explanation instead of the app (tokenProblem).
 */
import {
  callNames,
  eventNames,
  type Api,
  type EventName,
  type EventPayload,
} from '../../../main/api/contract';

declare global {
  interface Window {
    dimsearch?: Api;
  }
}

const tokenKey = 'dimsearch.token';
const tokenHeader = 'x-dimsearch-token';

/** True inside the Electron app (native dialogs, "show in folder"). */
export const isDesktop = typeof window !== 'undefined' && window.dimsearch !== undefined;

function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    localStorage.setItem(tokenKey, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return localStorage.getItem(tokenKey) ?? '';
}

export type TokenProblem = 'missing' | 'wrong';
let tokenProblem: TokenProblem | null = null;
const tokenListeners = new Set<(problem: TokenProblem) => void>();
function reportTokenProblem(problem: TokenProblem): void {
  if (tokenProblem) return;
  tokenProblem = problem;
  // A refused token is forgotten, so the next visit with the right link starts clean.
  if (problem === 'wrong') localStorage.removeItem(tokenKey);
  for (const listener of tokenListeners) listener(problem);
}

/** Web mode: told once when the page has no token or the server refuses it (the page then explains). */
export function onTokenProblem(listener: (problem: TokenProblem) => void): () => void {
  tokenListeners.add(listener);
  if (tokenProblem) listener(tokenProblem);
  return () => tokenListeners.delete(listener);
}

export type ConnectionState = 'connecting' | 'open' | 'lost';
type ConnectionListener = (state: ConnectionState) => void;

function createHttpApi(token: string): { api: Api; onConnection(listener: ConnectionListener): () => void } {
  const api: Record<string, unknown> = {};
  for (const name of callNames) {
    api[name] = async (input: unknown) => {
      const response = await fetch(`./api/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [tokenHeader]: token },
        body: JSON.stringify(input ?? {}),
      });
      const text = await response.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        throw new Error(`${name}: the server answered ${response.status} ${response.statusText}`);
      }
      if (response.status === 401) {
        reportTokenProblem('wrong');
        throw new Error('this page has no valid token: open the link that `npm run serve` printed (each launch has its own)');
      }
      if (!response.ok) {
        const message = (body as { error?: string } | null)?.error ?? `${response.status} ${response.statusText}`;
        throw new Error(message);
      }
      return body;
    };
  }

  // One EventSource for the page, opened on first use; listeners per event name.
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  const connectionListeners = new Set<ConnectionListener>();
  let source: EventSource | null = null;
  let state: ConnectionState = 'connecting';
  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of connectionListeners) listener(state);
  };
  function open(): void {
    if (source) return;
    source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
    source.addEventListener('ready', () => setState('open'));
    source.onerror = () => setState(source?.readyState === EventSource.CLOSED ? 'lost' : 'connecting');
    for (const name of eventNames) {
      source.addEventListener(name, (message) => {
        const payload = JSON.parse((message as MessageEvent<string>).data) as never;
        for (const listener of listeners.get(name) ?? []) listener(payload);
      });
    }
  }
  api.on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => {
    open();
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  };
  return {
    api: api as Api,
    onConnection(listener) {
      open();
      connectionListeners.add(listener);
      listener(state);
      return () => connectionListeners.delete(listener);
    },
  };
}

const token = isDesktop ? '' : takeToken();
if (!isDesktop && !token) reportTokenProblem('missing');
const http = isDesktop ? null : createHttpApi(token);

/** The back end, whichever shell we run in. */
export const api: Api = isDesktop ? window.dimsearch! : http!.api;

/** Connection to the back end (web mode's event stream; always open on the desktop). */
export function onConnection(listener: ConnectionListener): () => void {
  if (http) return http.onConnection(listener);
  listener('open');
  return () => {};
}

/** URL of a library photo's thumbnail or original, as this shell serves it. */
export function mediaUrl(kind: 'thumb' | 'photo', id: number): string {
  if (isDesktop) return `dimsearch://${kind}/${id}`;
  return `./${kind}/${id}?token=${encodeURIComponent(token)}`;
}
