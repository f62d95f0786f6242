import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * API Gateway HTTP API (payload format 2.0) on the local gateway: route matching with API
 * Gateway's precedence, request → event, and handler result → response.
 */
export interface Route {
  routeKey: string;
  method: string;
  segments: string[];
  greedy: boolean;
  variables: number;
}

export function parseRoute(routeKey: string): Route {
  const [method = '', path = '/'] = routeKey.split(' ');
  const segments = path.split('/').filter((s) => s !== '');
  const greedy = segments.at(-1)?.endsWith('+}') ?? false;
  const variables = segments.filter((s) => s.startsWith('{')).length;
  return { routeKey, method, segments, greedy, variables };
}

/**
 * Sorted most specific first, as API Gateway picks: literal paths before path variables,
 * greedy variables last; a method route before ANY.
 */
export function sortRoutes(routes: Route[]): Route[] {
  const score = (r: Route) => [r.greedy ? 1 : 0, r.variables, r.method === 'ANY' ? 1 : 0, -r.segments.length];
  return [...routes].sort((a, b) => {
    const sa = score(a);
    const sb = score(b);
    for (let i = 0; i < sa.length; i++) {
      const d = (sa[i] as number) - (sb[i] as number);
      if (d !== 0) return d;
    }
    return 0;
  });
}

export interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

export function matchRoute(routes: Route[], method: string, path: string): RouteMatch | undefined {
  const parts = path.split('/').filter((s) => s !== '');
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    const params = matchSegments(route, parts);
    if (params) return { route, pathParameters: params };
  }
  return undefined;
}

function matchSegments(route: Route, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const { segments, greedy } = route;
  if (greedy ? parts.length < segments.length : parts.length !== segments.length) return undefined;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const variable = /^\{([^}+]+)(\+)?\}$/.exec(segment);
    if (variable) {
      const name = variable[1] as string;
      params[name] = variable[2] ? parts.slice(i).map(safeDecode).join('/') : safeDecode(parts[i] as string);
    } else if (segment !== parts[i]) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const TEXT_TYPES = [
  /^text\//,
  /^application\/(json|xml|javascript|x-www-form-urlencoded|graphql)/,
  /^application\/[\w.+-]+\+(json|xml)/,
];

export function isTextContent(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return TEXT_TYPES.some((re) => re.test(contentType.toLowerCase()));
}

export interface EventInput {
  method: string;
  /** Path as the function's API sees it (without the pipeline's mount prefix). */
  path: string;
  rawQueryString: string;
  headers: Headers;
  body: Uint8Array | undefined;
  sourceIp: string;
  /** The Host the client used. */
  domainName: string;
  match: RouteMatch;
  apiId: string;
  accountId: string;
  requestId: string;
  now: Date;
}

export function toEventV2(input: EventInput): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  input.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const cookies = headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  delete headers.cookie;
  const query = queryParameters(input.rawQueryString);
  const contentType = headers['content-type'];
  const hasBody = input.body !== undefined && input.body.byteLength > 0;
  const binary = hasBody && !isTextContent(contentType);
  const { domainName } = input;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.match.route.routeKey,
    rawPath: input.path,
    rawQueryString: input.rawQueryString,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.match.route.routeKey,
      stage: '$default',
      time: apiGatewayTime(input.now),
      timeEpoch: input.now.getTime(),
    },
    ...(Object.keys(input.match.pathParameters).length > 0
      ? { pathParameters: input.match.pathParameters }
      : {}),
    ...(hasBody ? { body: Buffer.from(input.body as Uint8Array).toString(binary ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: binary,
  };
  return event;
}

/** Repeated keys are joined with commas, as API Gateway does. */
function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = key in params ? `${params[key]},${value}` : value;
  }
  return params;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000` */
export function apiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * A handler's result as API Gateway answers it: a structured result (with `statusCode`) is
 * used as given; anything else is JSON with status 200 (payload format 2.0 rules).
 */
export function fromResultV2(result: unknown): Response {
  if (!isStructured(result)) {
    return new Response(JSON.stringify(result ?? null), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, String(value));
  const multi = (result as { multiValueHeaders?: Record<string, unknown[]> }).multiValueHeaders ?? {};
  for (const [name, values] of Object.entries(multi)) {
    for (const value of values ?? []) headers.append(name, String(value));
  }
  for (const cookie of result.cookies ?? []) headers.append('set-cookie', cookie);
  const status = Number(result.statusCode);
  const body =
    result.body === undefined
      ? null
      : result.isBase64Encoded
        ? Buffer.from(result.body, 'base64')
        : result.body;
  const nullBody = status === 204 || status === 304 || status < 200;
  return new Response(nullBody ? null : body, { status, headers });
}

function isStructured(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return (
    typeof result === 'object' &&
    result !== null &&
    'statusCode' in result &&
    Number.isInteger(Number((result as { statusCode: unknown }).statusCode))
  );
}
