/** Ctrl-C (or SIGTERM) as a cancel: the command stops cleanly at its next safe point. */

/** An AbortSignal that SIGINT or SIGTERM aborts, after printing `message`; `release` stops listening. */
export function cancelOnSignals(message: string): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write(`\n${message}\n`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
