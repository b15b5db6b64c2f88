/** Output helpers shared by CLI commands: JSON as the last stdout line, human progress on stderr. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** A throttled one-line progress report on stderr (only when stderr is a terminal or forced). */
export function progressLine(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
  else if (process.env.DIMSEARCH_PROGRESS) process.stderr.write(`${text}\n`);
}

export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}

/** Fail a command with a clear message and exit code 2 (usage/input errors). */
export class UsageError extends Error {}

export function formatEta(seconds: number | null): string {
  if (seconds == null || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${Math.round(seconds % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

/** What `<command> --help` prints: what it does, its options, an example. */
export interface CommandHelp {
  /** The command line's shape, without the program name, e.g. 'search <image> --library <dir> [-k 10]'. */
  synopsis: string;
  /** One or two plain sentences. */
  summary: string;
  options: ReadonlyArray<readonly [flags: string, meaning: string]>;
  examples: readonly string[];
}

/** A command's help text, laid out the same for every command. */
export function formatUsage(help: CommandHelp, program = 'dimsearch'): string {
  const helpFlags = '--help, -h';
  const width = Math.max(...help.options.map(([flags]) => flags.length), helpFlags.length);
  return [
    `usage: ${program} ${help.synopsis}`,
    '',
    help.summary,
    '',
    'options:',
    // A long meaning may be split with '\n': its further lines line up under its first.
    ...help.options.map(([flags, meaning]) => `  ${flags.padEnd(width)}  ${meaning.split('\n').join(`\n${' '.repeat(width + 4)}`)}`),
    `  ${helpFlags.padEnd(width)}  show this help`,
    '',
    help.examples.length === 1 ? 'example:' : 'examples:',
    ...help.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}
