/**
 * Registry authentication: the `WWW-Authenticate` challenge of a 401 (RFC 7235 syntax), Basic
 * credentials, and the Docker/OCI token flow (GET <realm>?service=…&scope=… → {token}).
 */
import { ConfigurationError } from '@modelgate/core';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parse `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
 * Several challenges in one header (comma-separated) are returned in order.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header.trim();
  let current: Challenge | undefined;
  while (rest.length) {
    const param = /^([A-Za-z0-9_.-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*)\s*,?\s*/.exec(rest);
    if (param && current) {
      current.params[param[1]!.toLowerCase()] = param[3] !== undefined ? param[3].replace(/\\(.)/g, '$1') : param[2]!;
      rest = rest.slice(param[0].length);
      continue;
    }
    const scheme = /^([A-Za-z0-9_.-]+)(?:\s+|\s*,\s*|$)/.exec(rest);
    if (!scheme) break;
    current = { scheme: scheme[1]!.toLowerCase(), params: {} };
    challenges.push(current);
    rest = rest.slice(scheme[0].length);
  }
  return challenges;
}

export type Credentials = { username: string; password: string } | { token: string };

export function basicHeader(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

export class AuthError extends ConfigurationError {}

/** Keeps what a registry told us about authentication and the tokens it gave us, per scope. */
export class Authenticator {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private readonly tokens = new Map<string, string>();
  private bearerChallenge: Challenge | undefined;

  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly credentials: Credentials | undefined,
    private readonly where: string,
    /** How the user supplies credentials (e.g. "set registry-username and registry-password"), added to "credentials needed" errors. */
    private readonly credentialsHint?: string,
  ) {}

  /** Authorization header for a request needing `scope`, from what earlier challenges taught us. */
  header(scope: string): string | undefined {
    if (this.credentials && 'token' in this.credentials) return `Bearer ${this.credentials.token}`;
    if (this.scheme === 'basic' && this.credentials) return basicHeader(this.credentials);
    if (this.scheme === 'bearer') {
      const token = this.tokens.get(scope);
      return token ? `Bearer ${token}` : undefined;
    }
    return undefined;
  }

  /** Handle a 401; returns true when a retry can succeed. */
  async challenge(response: Response, scope: string): Promise<boolean> {
    const header = response.headers.get('www-authenticate') ?? '';
    const challenges = parseChallenges(header);
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    const basic = challenges.find((challenge) => challenge.scheme === 'basic');
    if (bearer) {
      if (this.scheme === 'bearer' && this.tokens.has(scope)) {
        throw new AuthError(`${this.where}: the registry refused the token for ${scope}${this.credentials ? ' (check the credentials)' : ` (credentials needed${this.hint(': ')})`}`);
      }
      this.scheme = 'bearer';
      this.bearerChallenge = bearer;
      this.tokens.set(scope, await this.fetchToken(bearer, scope));
      return true;
    }
    if (basic) {
      if (!this.credentials || 'token' in this.credentials) throw new AuthError(`${this.where}: the registry requires a username and password${this.hint('; ')}`);
      if (this.scheme === 'basic') throw new AuthError(`${this.where}: the registry refused the username and password`);
      this.scheme = 'basic';
      return true;
    }
    throw new AuthError(`${this.where}: authentication failed (${response.status}${header ? `, WWW-Authenticate: ${header}` : ''})`);
  }

  private hint(separator: string): string {
    return this.credentialsHint ? `${separator}${this.credentialsHint}` : '';
  }

  /** Fetch a token for a scope not seen in a challenge yet (e.g. a cross-repository mount). */
  async ensure(scope: string): Promise<void> {
    if (this.scheme === 'bearer' && this.bearerChallenge && !this.tokens.has(scope)) {
      this.tokens.set(scope, await this.fetchToken(this.bearerChallenge, scope));
    }
  }

  private async fetchToken(challenge: Challenge, scope: string): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new AuthError(`${this.where}: Bearer challenge without a realm`);
    const url = new URL(realm);
    if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
      throw new AuthError(`${this.where}: refusing to send credentials to a plain-HTTP token service ${url.origin}`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const item of new Set([...scope.split(' '), ...(challenge.params.scope?.split(' ') ?? [])])) {
      if (item) url.searchParams.append('scope', item);
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials && 'username' in this.credentials) headers.authorization = basicHeader(this.credentials);
    const response = await this.fetchImpl(url, { headers });
    if (!response.ok) throw new AuthError(`${this.where}: token service ${url.origin}${url.pathname} answered ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new AuthError(`${this.where}: token service returned no token`);
    return token;
  }
}

/** localhost, 127.0.0.0/8 and ::1: the only hosts spoken to over plain HTTP. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
