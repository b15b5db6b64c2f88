/**
 * Every command answers --help with its usage (exit 0), and a wrong option names what was wrong
 * followed by the command's usage (exit 2) instead of a raw Node error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { formatUsage } from '../../../main/cli/output';
import { dispatchTable, usageProblem } from '../../../main/cli/dispatch';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** Exactly the commands `dimsearch <command>` can run. */
const commands = dispatchTable(join(repoRoot, 'main/cli/commands')).map((entry) => entry.name);

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
}

/** The same as `cli`, without blocking, so every command's run can start at once. */
function cliAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', ...args], { cwd: repoRoot, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

test('search --help prints usage, options and an example, and exits 0', () => {
  const result = cli('search', '--help');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^usage: dimsearch search <image> --library <dir>/);
  assert.match(result.stdout, /options:\n(.|\n)*--library(.|\n)*-k <n>/);
  assert.match(result.stdout, /example:\n  npm run -s cli -- search /);
  assert.doesNotMatch(result.stdout + result.stderr, /ERR_PARSE_ARGS|TypeError/);
});

test('an unknown option names it and shows the command usage (exit 2)', () => {
  const result = cli('search', 'x.jpg', '--libary', 'lib');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^dimsearch search: unknown option '--libary'\n\nusage: dimsearch search /);
  assert.doesNotMatch(result.stderr, /ERR_PARSE_ARGS|To specify a positional/);
});

test('every command of the dispatch table has a usage with options and an example, shown by --help; an unknown option shows it with exit 2', async () => {
  assert.ok(commands.length >= 12 && commands.includes('index') && commands.includes('train-shipped'), `${commands}`);
  await Promise.all(
    commands.map(async (command) => {
      const help = await cliAsync(command, '--help');
      assert.equal(help.status, 0, `${command} --help: ${help.stderr}`);
      // The command's own usage (formatUsage's layout), not the doc-comment fallback.
      assert.match(help.stdout, new RegExp(`^usage: dimsearch ${escape(command)}( |$)`, 'm'), `${command} --help: usage line\n${help.stdout}`);
      assert.match(help.stdout, /^usage: .+\n\n(.+\n)+\noptions:\n(  .+\n)+  --help, -h +show this help\n/, `${command} --help: a summary and its options\n${help.stdout}`);
      assert.match(help.stdout, /\n\nexamples?:\n(  (npm run|dimsearch) .+\n)+$/, `${command} --help: an example\n${help.stdout}`);
      assert.equal(help.stderr, '', `${command} --help writes nothing on stderr`);

      const wrong = await cliAsync(command, '--no-such-option');
      assert.equal(wrong.status, 2, `${command} --no-such-option: exit 2\n${wrong.stderr}`);
      assert.equal(wrong.stderr, `dimsearch ${command}: unknown option '--no-such-option'\n\n${help.stdout}`, `${command}: the problem, then the same usage as --help`);
      assert.equal(wrong.stdout, '');
    }),
  );
});

test('`help <command>` is the same as `<command> --help`', () => {
  assert.equal(cli('help', 'serve').stdout, cli('serve', '--help').stdout);
});

test('formatUsage lays out options and examples; usageProblem keeps the first sentence', () => {
  const text = formatUsage({ synopsis: 'demo <x>', summary: 'Does a thing.', options: [['--a', 'first'], ['--long-flag <v>', 'second']], examples: ['demo 1'] });
  assert.match(text, /^usage: dimsearch demo <x>\n\nDoes a thing\.\n\noptions:\n  --a              first\n  --long-flag <v>  second\n  --help, -h       show this help\n\nexample:\n  demo 1\n$/);
  const parseError = Object.assign(new TypeError("Unknown option '--x'. To specify a positional argument starting with a '-', place it at the end"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  assert.equal(usageProblem(parseError), "unknown option '--x'");
  assert.equal(usageProblem(new Error('disk full')), null);
});
