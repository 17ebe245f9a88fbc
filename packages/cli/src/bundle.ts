import { describeFailure, runAction, runInterruptUndos, type ActionHost } from '@modelgate/core';
import { loadAction } from './actions/lazy.js';
import { main } from './cli/main.js';
import { setHostServices } from './services.js';

// The CLI: runCli for dist/cli.js, main for running a command in-process (the benchmarks). Neither
// loads an @actions/* package (nor their HTTP stack), and of the actions only the one a command runs.
export { main };

/** Entry of `dist/cli.js`: `modelgate …` as a process; its exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  exitOnInterrupt();
  return main(argv);
}

/**
 * On SIGINT or SIGTERM (Ctrl-C, a cancelled workflow run), undo what the running step has under
 * way (see undoOnInterrupt in @modelgate/core), then end the process by the same signal, as it would
 * have ended without this handler: the shell and the runner see how it ended.
 */
function exitOnInterrupt(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      runInterruptUndos();
      process.kill(process.pid, signal);
    });
  }
}

/** Entry of every `dist/<action>.js` stub: one bundle, one definition per action, loaded on demand. */
export async function runBundledAction(name: string): Promise<void> {
  exitOnInterrupt();
  const [core, { createGitHubHost, isDebugEnvironment }, { createActionsBaselineStore, createActionsToolCache, isCacheAvailable }, definition] = await Promise.all([
    import('@actions/core'),
    import('./github-host.js'),
    import('./actions-cache.js'),
    loadAction(name),
  ]);
  if (!definition) {
    core.setFailed(`internal error: no action named '${name}' in this bundle`);
    return;
  }
  let host: ActionHost;
  try {
    host = createGitHubHost(process.env);
  } catch (error) {
    // The runner environment itself is unusable; same reporting rules as inside the action.
    const failure = describeFailure(error, isDebugEnvironment(process.env));
    if (failure.stack) core.info(failure.stack);
    core.setFailed(failure.message);
    return;
  }
  // The runner's cache service backs onnxruntime provisioning and `baseline: cache`; without it both degrade.
  setHostServices(
    isCacheAvailable(process.env)
      ? { toolCache: createActionsToolCache(host.logger), baselineStore: createActionsBaselineStore(host.logger, host.environment.tempDir) }
      : {},
  );
  await runAction(definition, host);
}
