/**
 * The desktop shell: one window, locked down, around the same back end the CLI and web mode use.
 *
 * Security model (see SECURITY.md): the renderer runs with contextIsolation, sandbox, no Node and
 * webSecurity on (window-config.ts); it loads only from dimsearch://app with a strict CSP; navigation, new windows,
 * webviews and permission prompts are refused; IPC handlers vet their sender and validate input
 * (ipc.ts); library images come through dimsearch://thumb|photo, confined to the library (protocol.ts).
 * Only this folder imports electron; native dialogs reach the core through createBackend's `desktop`.
 *
 * Library location: --library DIR, else $DIMSEARCH_LIBRARY, else <userData>/library.
 */
import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Backend } from '../api/contract';
import { computeWindowOpener } from './compute-window';
import { registerIpc } from './ipc';
import { appEntryUrl, isAppUrl } from './app-protocol';
import { handleAppProtocol, registerSchemePrivileges } from './protocol';
import { denyNewWindow, mainWindowOptions } from './window-config';

const here = dirname(fileURLToPath(import.meta.url));
/** The app's root: the repository in development, app.asar when packaged. */
const appRoot = app.getAppPath();
/** Native modules and models are unpacked next to the asar (electron.config.ts asarUnpack). */
const unpackedRoot = appRoot.replace(/app\.asar$/, 'app.asar.unpacked');

// libuv's pool (default 4 threads) runs file reads and sharp's decodes: size it to the machine
// before any of that work starts (the pool is created on first use).
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism() + 2));
// In development (`npm start`) better-sqlite3 has a second build for Electron's ABI beside Node's
// (made by main/app/electron-native.mjs); packaged apps are rebuilt for Electron by electron-builder.
{
  const electronSqlite = join(process.cwd(), '.cache', 'electron-native', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!app.isPackaged && existsSync(electronSqlite)) process.env.DIMSEARCH_SQLITE_BINDING ??= electronSqlite;
}

// The bundled core finds its models here (it cannot rely on its own file location once bundled).
process.env.DIMSEARCH_MODELS_DIR ??= join(unpackedRoot, 'native-models');

registerSchemePrivileges();
app.enableSandbox();

function libraryDirFromArgs(): string {
  const { values } = parseArgs({
    args: process.argv.slice(app.isPackaged ? 1 : 2),
    options: { library: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const given = typeof values.library === 'string' ? values.library : process.env.DIMSEARCH_LIBRARY;
  return given ? resolve(given) : join(app.getPath('userData'), 'library');
}

function lockDownContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => denyNewWindow);
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(join(here, 'preload.cjs')));
  window.removeMenu();
  window.once('ready-to-show', () => window.show());
  void window.loadURL(appEntryUrl);
  return window;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  lockDownContents();

  let mainWindow: BrowserWindow | null = null;
  const { createBackend } = await import('../core/backend');
  let backend: Backend;
  try {
    backend = await createBackend({
      libraryDir: libraryDirFromArgs(),
      // Photos added, changed or deleted in the library's folders are indexed while the app runs.
      watch: true,
      desktop: {
        async pickFolder() {
          const options = { title: 'Add a folder of photos', properties: ['openDirectory' as const] };
          const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
          return result.canceled ? null : (result.filePaths[0] ?? null);
        },
        showItemInFolder(path: string) {
          shell.showItemInFolder(path);
        },
        // shell.openPath answers '' on success, else the reason it could not open the file.
        openPath: (path: string) => shell.openPath(path),
        // The duplicates clean-up: the system trash, never a delete.
        trashItem: (path: string) => shell.trashItem(path),
        // Training on the GPU of any vendor: a hidden window running tfjs's webgpu/webgl backend.
        openComputeChannel: computeWindowOpener(join(here, 'compute-preload.cjs')),
      },
    });
  } catch (error) {
    let message = error instanceof Error ? error.message : String(error);
    if (/NODE_MODULE_VERSION|compiled against a different Node\.js version/.test(message)) {
      // better-sqlite3 is built per runtime ABI; the CLI and tests need Node's, the app Electron's.
      message += '\n\nNative modules are built for Node.js, not Electron. Run `npx electron-builder install-app-deps` to build them for Electron (and `npm rebuild` to go back for the CLI and tests).';
    }
    dialog.showErrorBox('dimsearch could not open its library', message);
    app.exit(1);
    return;
  }

  handleAppProtocol(join(appRoot, 'dist', 'renderer'), backend);
  const unregister = registerIpc(backend);
  mainWindow = createWindow();

  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closing = false;
  app.on('will-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    unregister();
    backend.close().finally(() => app.exit(0));
  });
}

void main();
