/**
 * The main window's settings, kept apart from main.ts so that they can be imported and checked
 * by tests in plain Node (no Electron binary is needed to read an object). main.ts builds its
 * only BrowserWindow from `mainWindowOptions` and nothing else.
 *
 * Why each setting: the renderer shows file names and images from the user's disk, so it is
 * treated as untrusted — no Node in it or its workers/frames (nodeIntegration*), its own JS
 * world apart from the preload's (contextIsolation), an OS sandbox (sandbox), same-origin and
 * mixed-content rules on (webSecurity, allowRunningInsecureContent), no <webview>, no
 * experimental or extra Blink features.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    backgroundColor: '#111214',
    title: 'dimsearch',
    webPreferences: secureWebPreferences(preloadPath),
  };
}

/**
 * The hidden compute window (compute-window.ts): never shown, the same locked-down preferences,
 * and no background throttling, since a hidden page is otherwise slowed to a crawl.
 */
export function computeWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 320,
    height: 200,
    title: 'dimsearch compute',
    webPreferences: { ...secureWebPreferences(preloadPath), backgroundThrottling: false },
  };
}

/** The answer to every request for a new window (window.open, target=_blank, middle-click). */
export const denyNewWindow = { action: 'deny' } as const;
