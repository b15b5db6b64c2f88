/**
 * Runs `<program> <name> [args]` as the file <dir>/<name>.ts (or .js) exporting `run(args)`.
 * Shared by the CLI (main/cli/commands) and the benchmarks (test/bench), so adding a command or a
 * benchmark is adding a file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface DispatchOptions {
  dir: string;
  program: string; // shown in usage and errors, e.g. 'dimsearch'
  noun: string; // 'command' | 'benchmark'
  argv: string[];
  exclude?: RegExp; // files in dir that are not entries (e.g. the dispatcher itself)
}

const entryFile = /\.(ts|js)$/;

export async function dispatch({ dir, program, noun, argv, exclude }: DispatchOptions): Promise<void> {
  const files = readdirSync(dir).filter((f) => entryFile.test(f) && !f.endsWith('.d.ts') && !exclude?.test(f));
  const names = files.map((f) => f.replace(entryFile, '')).sort();
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write(`usage: ${program} <${noun}> [options]\n${noun}s: ${names.join(', ')}\n`);
    return;
  }
  const file = files.find((f) => f.replace(entryFile, '') === name);
  if (!file) {
    process.stderr.write(`${program}: unknown ${noun} '${name}' (${noun}s: ${names.join(', ')})\n`);
    process.exitCode = 2;
    return;
  }
  const entry = (await import(pathToFileURL(join(dir, file)).href)) as { run(args: string[]): Promise<void> };
  await entry.run(args);
}
