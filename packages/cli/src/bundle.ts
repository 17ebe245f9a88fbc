import * as core from '@actions/core';
import { describeFailure, runAction, type ActionHost } from '@modelgate/core';
import { findAction } from './actions/index.js';
import { createGitHubHost, isDebugEnvironment } from './github-host.js';

export { main } from './cli/main.js';

/** Entry of every `dist/<action>.js` stub: one bundle, one definition per action. */
export async function runBundledAction(name: string): Promise<void> {
  const definition = findAction(name);
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
  await runAction(definition, host);
}
