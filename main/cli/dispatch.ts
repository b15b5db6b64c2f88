/**
 * Runs `<program> <name> [args]` as the file <dir>/<name>.ts (or .js) exporting `run(args)`.
 * Shared by the CLI (main/cli/commands) and the benchmarks (test/bench), so adding a command or a
 * benchmark is adding a file.
 *
 * Help is handled here once, for every entry: `<name> --help` (or -h) prints the file's exported
 * `usage` (see formatUsage in output.ts) — or, for a file without one, its leading doc comment —
 * and a wrong option or argument prints what was wrong followed by that usage (exit code 2).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './output';

export interface DispatchOptions {
  dir: string;
  program: string; // shown in usage and errors, e.g. 'dimsearch'
  noun: string; // 'command' | 'benchmark'
  argv: string[];
  exclude?: RegExp; // files in dir that are not entries (e.g. the dispatcher itself)
}

interface Entry {
  run(args: string[]): Promise<void>;
  /** The entry's --help text. */
  usage?: string;
}

const entryFile = /\.(ts|js)$/;

/** The dispatch table: each entry's name and file, as `dispatch` finds them in `dir`. */
export function dispatchTable(dir: string, exclude?: RegExp): { name: string; file: string }[] {
  return readdirSync(dir)
    .filter((f) => entryFile.test(f) && !f.endsWith('.d.ts') && !exclude?.test(f))
    .map((file) => ({ name: file.replace(entryFile, ''), file }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function dispatch({ dir, program, noun, argv, exclude }: DispatchOptions): Promise<void> {
  const table = dispatchTable(dir, exclude);
  const names = table.map((e) => e.name);
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const about = args[0] && name === 'help' ? args[0] : null;
    if (!about) {
      process.stdout.write(`usage: ${program} <${noun}> [options]\n${noun}s: ${names.join(', ')}\n${program} <${noun}> --help shows what one does\n`);
      return;
    }
    return dispatch({ dir, program, noun, argv: [about, '--help'], ...(exclude ? { exclude } : {}) });
  }
  const file = table.find((e) => e.name === name)?.file;
  if (!file) {
    process.stderr.write(`${program}: unknown ${noun} '${name}' (${noun}s: ${names.join(', ')})\n`);
    process.exitCode = 2;
    return;
  }
  const path = join(dir, file);
  const entry = (await import(pathToFileURL(path).href)) as Entry;
  const usage = () => usageOf(entry, path, `${program} ${name}`);
  // Only before a `--`: after it, "--help" is an argument like any other.
  const beforeSeparator = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (beforeSeparator.includes('--help') || beforeSeparator.includes('-h')) {
    process.stdout.write(usage());
    return;
  }
  try {
    await entry.run(args);
  } catch (error) {
    const problem = usageProblem(error);
    if (problem === null) throw error;
    process.stderr.write(`${program} ${name}: ${problem}\n\n${usage()}`);
    process.exitCode = 2;
  }
}

/** The message of a wrong command line (unknown option, missing value, bad argument), or null for any other error. */
export function usageProblem(error: unknown): string | null {
  if (error instanceof UsageError) {
    // Some commands append their own usage line(s): the full usage follows anyway.
    const problem = error.message.split(/(?:^|\n)\s*usage:/)[0]!.trim();
    return problem || 'missing or extra arguments';
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
    // Node's text goes on to explain `--` for positionals that start with '-': the first sentence says it.
    const message = (error as Error).message;
    const first = message.split(/\.\s/)[0] ?? message;
    return first.charAt(0).toLowerCase() + first.slice(1);
  }
  return null;
}

/**
 * An entry's help: its `usage` export, else its file's leading doc comment, else a bare usage line.
 * Every CLI command exports a usage (test/unit/cli/help.test.ts holds them to it); the fallbacks
 * serve the benchmarks, which share this dispatcher.
 */
function usageOf(entry: Entry, path: string, invocation: string): string {
  if (typeof entry.usage === 'string' && entry.usage.trim()) return entry.usage.endsWith('\n') ? entry.usage : `${entry.usage}\n`;
  let comment: string | undefined;
  try {
    comment = /^\s*\/\*\*([\s\S]*?)\*\//.exec(readFileSync(path, 'utf8'))?.[1];
  } catch {
    comment = undefined;
  }
  const text = comment
    ?.split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
  return text ? `usage: ${invocation} [options]\n\n${text}\n` : `usage: ${invocation} [options]\n`;
}
