/**
 * Starts web mode exactly as a user does (`main/cli/main.ts serve … --port 0 --json`) in a child
 * process, and reads the URL from its last stdout line. Shared by the browser end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeProcess {
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** Everything the process wrote on stderr so far (progress, errors). */
  stderr(): string;
  stop(): Promise<void>;
}

/** `options.defaultPort`: leave the port to serve (its stable default) instead of any free one; `env`: added to the child's. */
export async function startServe(args: string[], timeoutMs = 90_000, options: { defaultPort?: boolean; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const port = options.defaultPort ? [] : ['--port', '0'];
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/main.ts', 'serve', ...port, '--json', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DIMSEARCH_PROGRESS: '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = await new Promise<{ url: string; port: number; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    ...started,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
