/**
 * A hand-validated slice of GitHub's GraphQL API: only the `minimizeComment`
 * mutation (used to collapse outdated bot comments). GraphQL is not in the REST
 * OpenAPI description, so the request shape is checked here. Like GitHub, errors
 * are reported with HTTP 200 and an `errors` array.
 */
import type { FakeState, MinimizeReason } from './state.js';

const CLASSIFIERS: readonly MinimizeReason[] = ['ABUSE', 'DUPLICATE', 'OFF_TOPIC', 'OUTDATED', 'RESOLVED', 'SPAM'];

export interface GraphqlOutcome {
  json: unknown;
  /** Set when the request is malformed or unsupported (a bug in the client, not a GitHub-side failure). */
  violation?: string;
}

const gqlError = (message: string, extra: Record<string, unknown> = {}) => ({ errors: [{ message, ...extra }] });

/** Reads one argument value: a string literal, an enum literal, or a `$variable`. */
function literal(raw: string, variables: Record<string, unknown>): unknown {
  if (raw.startsWith('$')) return variables[raw.slice(1)];
  if (raw.startsWith('"')) return JSON.parse(raw) as string;
  return raw;
}

function parseInput(query: string, variables: Record<string, unknown>): Record<string, unknown> | undefined {
  const call = /minimizeComment\s*\(\s*input\s*:\s*(\$\w+|\{[^}]*\})\s*\)/.exec(query);
  if (!call) return undefined;
  const arg = call[1]!;
  if (arg.startsWith('$')) {
    const value = variables[arg.slice(1)];
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  }
  const input: Record<string, unknown> = {};
  for (const m of arg.matchAll(/(\w+)\s*:\s*("(?:[^"\\]|\\.)*"|\$\w+|\w+)/g)) {
    input[m[1]!] = literal(m[2]!, variables);
  }
  return input;
}

export function handleGraphql(body: unknown, state: FakeState, canWrite: boolean): GraphqlOutcome {
  const request = body as { query?: unknown; variables?: unknown } | undefined;
  if (!request || typeof request.query !== 'string') {
    return {
      json: gqlError('A query attribute must be specified and must be a string.'),
      violation: 'graphql: request has no query string',
    };
  }
  const variables = (request.variables ?? {}) as Record<string, unknown>;
  if (!/^\s*mutation\b/.test(request.query) || !request.query.includes('minimizeComment')) {
    return {
      json: gqlError('The fake GitHub GraphQL endpoint only implements the minimizeComment mutation.'),
      violation: `graphql: unsupported operation: ${request.query.replace(/\s+/g, ' ').slice(0, 80)}`,
    };
  }
  const input = parseInput(request.query, variables);
  const subjectId = input?.subjectId;
  const classifier = input?.classifier;
  if (typeof subjectId !== 'string' || subjectId === '') {
    return {
      json: gqlError("Argument 'subjectId' on InputObject 'MinimizeCommentInput' is required."),
      violation: 'graphql minimizeComment: missing subjectId',
    };
  }
  if (!CLASSIFIERS.includes(classifier as MinimizeReason)) {
    const message = `Argument 'classifier' on InputObject 'MinimizeCommentInput' has an invalid value (${String(classifier)}). Expected type 'ReportedContentClassifiers!'.`;
    return {
      json: gqlError(message),
      violation: `graphql minimizeComment: invalid classifier ${JSON.stringify(classifier)}`,
    };
  }
  if (!canWrite) {
    return {
      json: {
        data: { minimizeComment: null },
        ...gqlError('Resource not accessible by integration', { type: 'FORBIDDEN', path: ['minimizeComment'] }),
      },
    };
  }
  const comment = state.commentByNodeId(subjectId);
  if (!comment) {
    const message = `Could not resolve to a node with the global id of '${subjectId}'.`;
    return {
      json: { data: { minimizeComment: null }, ...gqlError(message, { type: 'NOT_FOUND', path: ['minimizeComment'] }) },
    };
  }
  comment.minimized = classifier as MinimizeReason;
  return {
    json: {
      data: {
        minimizeComment: {
          clientMutationId: (input?.clientMutationId as string | undefined) ?? null,
          minimizedComment: {
            isMinimized: true,
            minimizedReason: comment.minimized.toLowerCase(),
            viewerCanMinimize: true,
          },
        },
      },
    },
  };
}
