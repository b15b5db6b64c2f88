/**
 * `npm run serve -- --library DIR [--folder PATH] [--port N] [--no-watch] [--json]`
 *
 * Web mode: the app in a browser, for headless machines. Listens on 127.0.0.1 only; the printed
 * URL carries a per-launch token. --folder starts indexing that folder at launch. The library's
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
import { formatEta, printJson, progressLine, endProgress, UsageError } from '../output';

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

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got '${text}'`);
  return port;
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

  await ensureRenderer();
  const backend = await createBackend({
    libraryDir: resolve(values.library),
    ...(values.model ? { model: values.model } : {}),
    desktop: null,
    watch: !values['no-watch'],
  });

  let server: Awaited<ReturnType<typeof startWebServer>>;
  try {
    server = await startWebServer({ backend, rendererDir, port });
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
      const { jobId } = await backend.handlers.addFolder({ path: resolve(values.folder) });
      process.stderr.write(`indexing ${resolve(values.folder)} (job ${jobId})\n`);
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
