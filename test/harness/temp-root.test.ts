import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the test run temp root', () => {
  it('puts every test temp directory under one modelgate-tests- directory', () => {
    expect(basename(tmpdir())).toMatch(/^modelgate-tests-[A-Za-z0-9]{6}$/);
    expect(process.env['TMPDIR']).toBe(tmpdir());
    expect(dirname(tmpdir())).not.toBe(tmpdir());
    expect(process.env['ORT_DISABLE_TELEMETRY']).toBe('1');
  });
});
