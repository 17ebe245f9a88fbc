/**
 * A Docker/OCI token service for integration tests: the registry answers 401 with
 * `Bearer realm=…,service=…`, the client asks this server for a JWT with Basic credentials, and
 * docker-registry verifies the ES256 signature against a self-signed certificate made by openssl
 * (carried in the token's `x5c` header). Every token request is recorded for assertions.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface TokenRequest {
  service: string | null;
  scopes: string[];
  user: string | undefined;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate docker-registry trusts (`rootcertbundle`). */
  certificatePath: string;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Grants every requested action on every `repository:` scope to a caller with the right
 * password, and pull-only access to anonymous callers: enough to tell whether the client sent
 * its credentials and asked for the scopes a push and a cross-repository mount need.
 */
export async function startTokenServer(dir: string, user: string, password: string): Promise<TokenServer> {
  const keyPath = join(dir, 'token-key.pem');
  const certificatePath = join(dir, 'token-cert.pem');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
  execFileSync('openssl', ['req', '-new', '-x509', '-key', keyPath, '-out', certificatePath, '-days', '2', '-subj', '/CN=modelgate-test-token'], { stdio: 'ignore' });
  const key = createPrivateKey(readFileSync(keyPath));
  const der = Buffer.from(readFileSync(certificatePath, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const service = 'modelgate-test-registry';
  const issuer = 'modelgate-test-token-issuer';
  const requests: TokenRequest[] = [];

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const authorization = request.headers.authorization ?? '';
    const [name, secret] = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString().split(':') : [];
    const scopes = url.searchParams.getAll('scope');
    requests.push({ service: url.searchParams.get('service'), scopes, user: name });
    if (name !== undefined && (name !== user || secret !== password)) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const access = scopes.flatMap((scope) => scope.split(' ')).map((scope) => {
      const [type, repository, actions] = scope.split(':');
      const granted = (actions ?? '').split(',').filter((action) => name !== undefined || action === 'pull');
      return { type, name: repository, actions: granted };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [der.toString('base64')] };
    const claims = { iss: issuer, sub: name ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    // JWS ES256 wants the raw r||s form, not DER.
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${signingInput}.${base64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificatePath,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
