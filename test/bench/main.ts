/**
 * Benchmarks: `npm run -s bench -- <name> [args]` runs test/bench/<name>.ts's `run(args)`.
 * With --json the last stdout line is JSON. Benchmarks print ratios to a peer measured in the
 * same run where one exists, never bare times alone.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../../main/cli/dispatch';

const benchDir = dirname(fileURLToPath(import.meta.url));

dispatch({ dir: benchDir, program: 'bench', noun: 'benchmark', argv: process.argv.slice(2), exclude: /^main\.(ts|js)$/ }).catch(
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
