/**
 * Benchmarks: `npm run -s bench -- <name> [args]` runs test/bench/<name>.ts's `run(args)`.
 * With --json the last stdout line is JSON. Benchmarks print ratios to a peer measured in the
 * same run where one exists, never bare times alone.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  return readdirSync(benchDir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !/^main\.(ts|js)$/.test(f))
    .map((f) => f.replace(/\.(ts|js)$/, ''))
    .sort();
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const names = available();
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write(`usage: bench <name> [options]\nbenchmarks: ${names.join(', ')}\n`);
    return;
  }
  if (!names.includes(name)) {
    process.stderr.write(`bench: unknown benchmark '${name}' (benchmarks: ${names.join(', ')})\n`);
    process.exitCode = 2;
    return;
  }
  const file = readdirSync(benchDir).find((f) => f.replace(/\.(ts|js)$/, '') === name)!;
  const bench = (await import(pathToFileURL(join(benchDir, file)).href)) as { run(args: string[]): Promise<void> };
  await bench.run(args);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
