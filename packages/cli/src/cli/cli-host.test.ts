import { describe, expect, it } from 'vitest';
import { CliHost } from './cli-host.js';

function host(tty: boolean) {
  const err: string[] = [];
  const cli = new CliHost({ io: { out: () => undefined, err: (text) => err.push(text) }, values: {}, json: false, quiet: false, debug: false, env: {}, tty });
  return { cli, err };
}

describe('CliHost progress', () => {
  it('draws a counter on a terminal and clears it before other output', async () => {
    const { cli, err } = host(true);
    cli.progress('scored', 8192);
    cli.progress('scored', 16384); // within 100 ms: not redrawn
    await cli.appendSummary('done');
    expect(err).toEqual(['\rscored: 8,192 rows', '\r\u001b[K']);
  });

  it('stays silent when stderr is not a terminal', () => {
    const { cli, err } = host(false);
    cli.progress('scored', 8192);
    expect(err).toEqual([]);
  });
});
