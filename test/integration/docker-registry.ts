/**
 * A real registry for integration tests: Debian's `docker-registry` (CNCF distribution 2.8) on a
 * free 127.0.0.1 port with htpasswd Basic auth and a temporary storage directory.
 * CI installs it: apt-get install -y docker-registry apache2-utils.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const REGISTRY = '/usr/bin/docker-registry';
const HTPASSWD = '/usr/bin/htpasswd';

export interface DockerRegistry {
  /** host:port */
  host: string;
  user: string;
  password: string;
  /** What the registry printed, for failure messages. */
  log(): string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Token auth instead of htpasswd: the registry sends clients to `realm` for a JWT it verifies. */
export interface TokenAuth {
  realm: string;
  service: string;
  issuer: string;
  certificatePath: string;
}

export async function startDockerRegistry(user = 'modelgate', password = randomBytes(12).toString('hex'), token?: TokenAuth): Promise<DockerRegistry> {
  for (const [tool, pkg] of [[REGISTRY, 'docker-registry'], [HTPASSWD, 'apache2-utils']] as const) {
    if (spawnSync(tool, ['--help'], { encoding: 'utf8' }).error) throw new Error(`${tool} is needed: apt-get install -y ${pkg}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-registry-'));
  writeFileSync(join(dir, 'htpasswd'), execFileSync(HTPASSWD, ['-Bbn', user, password], { encoding: 'utf8' }));
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
      `http: { addr: "${host}", secret: "${randomBytes(16).toString('hex')}" }`,
      token
        ? `auth: { token: { realm: "${token.realm}", service: ${token.service}, issuer: ${token.issuer}, rootcertbundle: ${token.certificatePath} } }`
        : `auth: { htpasswd: { realm: modelgate-test, path: ${join(dir, 'htpasswd')} } }`,
      '',
    ].join('\n'),
  );
  let output = '';
  const server = spawn(REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (chunk) => (output += chunk));
  server.stderr?.on('data', (chunk) => (output += chunk));
  for (let i = 0; i < 100; i++) {
    const status = await fetch(`http://${host}/v2/`).then((response) => response.status, () => 0);
    if (status === 401) return { host, user, password, log: () => output, stop: () => server.kill() };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server.kill();
  throw new Error(`docker-registry did not start:\n${output}`);
}

/**
 * A Basic-auth registry for the whole test file: started before its tests, stopped after them.
 * `host` (`127.0.0.1:port`) is known once the tests run.
 */
export function useDockerRegistry(user: string, password: string): { readonly host: string } {
  let registry: DockerRegistry | undefined;
  beforeAll(async () => {
    registry = await startDockerRegistry(user, password);
  }, 30_000);
  afterAll(() => registry?.stop());
  return {
    get host(): string {
      if (!registry) throw new Error('the registry is not running (use host inside a test)');
      return registry.host;
    },
  };
}
