import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface RoutedPath {
  /** The path the app's routes see (`/files/g/r/`). */
  routePath: string;
  /** What precedes it in the URL the client used (`/production`, `/telemetry`, or ""). */
  basePath: string;
}

/**
 * Splits rawPath into the route's own path and whatever precedes it: a named stage
 * (`/production/telemetry`), a custom domain's API mapping, or nothing (`$default`). The
 * matched route key says how many trailing segments belong to the route (a greedy
 * `{proxy+}` counts its parameter's segments). The local gateway strips its `/<pipeline>`
 * mount before the event is made and names the pipeline in `apiId`, so `localMount` adds it
 * back for links and redirects.
 */
export function splitPath(
  event: Pick<APIGatewayProxyEventV2, 'rawPath' | 'routeKey' | 'requestContext' | 'pathParameters'>,
  localMount?: string,
): RoutedPath {
  const raw = event.rawPath || '/';
  const segments = raw.split('/').filter((s) => s !== '');
  const trailing = raw.endsWith('/') && segments.length > 0 ? '/' : '';
  const routeKey = event.routeKey ?? event.requestContext?.routeKey;
  const template = routeKey && routeKey !== '$default' ? routeKey.split(' ')[1] : undefined;
  let count: number | undefined;
  if (template) {
    const parts = template.split('/').filter((s) => s !== '');
    const greedy = parts.at(-1)?.endsWith('+}') ? parts.at(-1)?.slice(1, -2) : undefined;
    if (greedy === undefined) count = parts.length;
    else {
      const value = event.pathParameters?.[greedy] ?? '';
      count = parts.length - 1 + value.split('/').filter((s) => s !== '').length;
    }
  } else {
    const stage = event.requestContext?.stage;
    if (stage && stage !== '$default' && segments[0] === stage) count = segments.length - 1;
  }
  const split = count === undefined ? 0 : Math.max(0, segments.length - count);
  const prefix = segments.slice(0, split);
  const rest = segments.slice(split);
  const routePath = rest.length === 0 ? '/' : `/${rest.join('/')}${trailing}`;
  const basePath = `${localMount ?? ''}${prefix.length ? `/${prefix.join('/')}` : ''}`;
  return { routePath, basePath };
}
