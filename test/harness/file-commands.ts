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
