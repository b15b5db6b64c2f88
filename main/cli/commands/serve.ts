/**
 * `npm run serve -- --library DIR [--folder PATH] [--port N] [--no-watch] [--json]`
 *
 * Web mode: the app in a browser, for headless machines. Listens on 127.0.0.1 only; the printed
 * URL carries the library's token (kept in <library>/web-token, so a bookmark keeps working). --folder starts indexing that folder at launch. The library's
 * folders are watched while it runs (new, changed, moved and deleted photos are indexed as jobs);
 * --no-watch turns that off. The last stdout
 * line is `listening on <url>` (or, with --json, {"url","port","token"}). Runs until SIGINT/SIGTERM.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend } from '../../core/backend';
import { startWebServer } from '../../server/http';
import { DEFAULT_WEB_PORT, libraryWebToken } from '../../server/web-token';
import { expandHome } from '../../core/library/expand-home';
import { formatEta, formatUsage, printJson, progressLine, endProgress, UsageError } from '../output';

export const usage = formatUsage({
  synopsis: 'serve --library <dir> [--folder <path>] [--port N] [--model <name|dir>] [--no-watch] [--json]',
  summary:
    'Web mode: the app in a browser, on this machine only (127.0.0.1). The address stays the same from\n' +
    "launch to launch: port 7717 (or --port) and a token kept in the library's web-token file.",
  options: [
    ['--library <dir>', 'where the index and thumbnails live (made if new)'],
    ['--folder <path>', 'add this folder and index it at launch'],
    ['--port <n>', 'listen on this port (0: any free one; default 7717, else the next free)'],
    ['--model <name|dir>', "the model to index and search with (default: the library's)"],
    ['--no-watch', 'do not pick up photos added, changed or deleted while it runs'],
    ['--json', 'print {"url","port","token"} instead of "listening on <url>"'],
  ],
  examples: ['npm run serve -- --library ~/.dimsearch --folder ~/Pictures'],
});

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const rendererDir = resolve(repoRoot, 'dist', 'renderer');

/** Newest modification time of the renderer's sources (0 when they are not here, e.g. installed). */
function newestSourceTime(): number {
  const sources = ['renderer/src', 'renderer/index.html', 'renderer/vite.config.ts', 'main/api'].map((p) => resolve(repoRoot, p));
  let newest = 0;
  const visit = (path: string) => {
    const info = statSync(path);
    if (!info.isDirectory()) newest = Math.max(newest, info.mtimeMs);
    else for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const source of sources) if (existsSync(source)) visit(source);
  return newest;
}

/** Build the renderer when it is missing (fresh checkout) or older than its sources (development). */
async function ensureRenderer(): Promise<void> {
  const index = resolve(rendererDir, 'index.html');
  if (existsSync(index)) {
    if (newestSourceTime() <= statSync(index).mtimeMs) return;
    process.stderr.write('dist/renderer is older than its sources: rebuilding the renderer…\n');
  } else {
    process.stderr.write('dist/renderer is missing: building the renderer (npm run build:renderer)…\n');
  }
  try {
    const { build } = await import('vite');
    await build({ configFile: resolve(repoRoot, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`could not build the renderer (${reason}); run \`npm run build:renderer\` and try again`);
  }
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error('the renderer build produced no dist/renderer/index.html; run `npm run build:renderer`');
  }
}

function parsePort(text: string | undefined): number | null {
  if (text === undefined) return null;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got '${text}'`);
  return port;
}

/**
 * Listen on --port, or on the default port so the address stays the same from launch to launch;
 * when another program holds it, the next few ports (said on stderr: a bookmark needs the new one).
 */
async function listenOnStablePort(backend: Parameters<typeof startWebServer>[0]['backend'], token: string, port: number | null) {
  if (port !== null) return startWebServer({ backend, rendererDir, port, token });
  for (let candidate = DEFAULT_WEB_PORT; ; candidate++) {
    try {
      const server = await startWebServer({ backend, rendererDir, port: candidate, token });
      if (candidate !== DEFAULT_WEB_PORT) process.stderr.write(`dimsearch: port ${DEFAULT_WEB_PORT} is taken (another dimsearch?); using ${candidate}\n`);
      return server;
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || candidate >= DEFAULT_WEB_PORT + 9) {
        throw new Error(inUse ? `ports ${DEFAULT_WEB_PORT}–${candidate} are all in use; choose one with --port N` : (error as Error).message);
      }
    }
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      library: { type: 'string' },
      folder: { type: 'string' },
      port: { type: 'string' },
      model: { type: 'string' },
      'no-watch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.library) throw new UsageError('serve needs --library DIR (where the index and thumbnails live)');
  const port = parsePort(values.port);
  const libraryDir = resolve(expandHome(values.library));

  await ensureRenderer();
  const backend = await createBackend({
    libraryDir,
    ...(values.model ? { model: values.model } : {}),
    desktop: null,
    watch: !values['no-watch'],
  });

  let server: Awaited<ReturnType<typeof startWebServer>>;
  try {
    const token = libraryWebToken(libraryDir, (message) => process.stderr.write(`dimsearch: ${message}\n`));
    server = await listenOnStablePort(backend, token, port);
  } catch (error) {
    await backend.close();
    throw error;
  }

  // Progress of jobs on stderr, so the terminal shows what the page shows.
  backend.subscribe((event, payload) => {
    if (event === 'jobProgress') {
      const p = payload as { phase: string; done: number; total: number; ratePerSecond: number; etaSeconds: number | null };
      progressLine(`${p.phase} ${p.done}/${p.total} · ${p.ratePerSecond.toFixed(1)}/s · ${formatEta(p.etaSeconds)} left`);
    } else if (event === 'jobFinished') {
      const f = payload as { status: string; indexed?: number; skipped?: unknown[]; seconds: number; error?: string };
      endProgress();
      process.stderr.write(
        `job ${f.status}: ${f.indexed ?? 0} indexed, ${f.skipped?.length ?? 0} skipped in ${f.seconds.toFixed(1)}s${f.error ? ` (${f.error})` : ''}\n`,
      );
    }
  });

  try {
    if (values.folder) {
      const folder = resolve(expandHome(values.folder));
      const { jobId } = await backend.handlers.addFolder({ path: folder });
      process.stderr.write(`indexing ${folder} (job ${jobId})\n`);
    }

    if (values.json) printJson({ url: server.url, port: server.port, token: server.token });
    else process.stdout.write(`listening on ${server.url}\n`);

    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.stderr.write('shutting down…\n');
  } finally {
    await server.close();
    await backend.close();
    // Everything is closed; should a library still hold a handle (e.g. a worker thread), do not
    // leave the user's Ctrl-C hanging. The timer is unref'd: it fires only if the process lingers.
    setTimeout(() => process.exit(), 3000).unref();
  }
}
