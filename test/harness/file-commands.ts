/**
 * Reads the runner's file-command format (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV):
 * `name<<DELIMITER\nvalue\nDELIMITER\n` blocks, or legacy `name=value` lines. Strict: anything
 * else is an error, so a malformed write fails the test instead of being skipped.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line === '' && i === lines.length - 1) break;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`unterminated value for '${name}' (delimiter ${delimiter})`);
      values[name] = lines.slice(i + 1, end).join('\n');
      i = end + 1;
      continue;
    }
    const assignment = /^([^=]+)=(.*)$/.exec(line);
    if (!assignment) throw new Error(`malformed file-command line ${i + 1}: ${JSON.stringify(line)}`);
    values[assignment[1]!] = assignment[2]!;
    i += 1;
  }
  return values;
}

/**
 * Log lines as a reader of the run sees them: ::debug:: lines hidden (as the runner does
 * unless debugging) and workflow-command escapes (%25, %0A, %3A, %2C) decoded.
 */
export function visibleLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('::debug::'))
    .map((line) => line.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%'));
}
