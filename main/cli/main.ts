/**
 * dimsearch's command line: `npm run -s cli -- <command> [args]`.
 * Each command is one file in ./commands exporting `run(args: string[]): Promise<void>`;
 * this dispatcher finds it by name, so adding a command never touches this file.
 * Contract: with --json the last stdout line is JSON; progress goes to stderr.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from './dispatch';

// libuv's pool (default 4 threads) runs file reads and sharp's decodes: size it to the machine
// before any of that work starts (the pool is created on first use, after the command's import).
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism() + 2));

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function main(): Promise<void> {
  return dispatch({ dir: commandsDir, program: 'dimsearch', noun: 'command', argv: process.argv.slice(2) });
}

/** Exit once stdout has drained: wasm's pthread workers would otherwise keep a finished command alive. */
function exitWhenFlushed(): void {
  process.stdout.write('', () => process.exit(process.exitCode ?? 0));
}

main()
  .catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`dimsearch: ${message}\n`);
    if (process.env.DIMSEARCH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  })
  .then(() => {
    // Long-running commands (serve) resolve only when they are done serving.
    exitWhenFlushed();
  });
