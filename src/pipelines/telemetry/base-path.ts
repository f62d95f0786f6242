import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface RoutedPath {
  /** The path the app's routes see (`/files/g/r/`). */
  routePath: string;
  /** What precedes it in the URL the client used (`/production`, `/telemetry`, or ""). */
  basePath: string;
}

/**
 * The route's own segment count for a greedy template (`/files/{proxy+}`): from the first place
 * its leading segments match (a stage or mapping comes before), to the end. The greedy parameter's decoded value cannot be used
 * to count, since an encoded `/` (`%2F`) in it adds segments that rawPath does not have. A
 * template that is only the greedy variable (`/{proxy+}`) says nothing: undefined.
 */
function greedyCount(lead: string[], segments: string[]): number | undefined {
  if (lead.length === 0) return undefined;
  const fits = (at: number) => lead.every((part, i) => part.startsWith('{') || segments[at + i] === part);
  for (let at = 0; at + lead.length < segments.length; at++) {
    if (fits(at)) return segments.length - at;
  }
  return undefined;
}

/**
 * Splits rawPath into the route's own path and whatever precedes it: a named stage
 * (`/production/telemetry`), a custom domain's API mapping, or nothing (`$default`). The
 * matched route key says how many trailing segments belong to the route. The local gateway strips its `/<pipeline>`
 * mount before the event is made and names the pipeline in `apiId`, so `localMount` adds it
 * back for links and redirects.
 */
export function splitPath(
  event: Pick<APIGatewayProxyEventV2, 'rawPath' | 'routeKey' | 'requestContext'>,
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
    if (!parts.at(-1)?.endsWith('+}')) count = parts.length;
    else count = greedyCount(parts.slice(0, -1), segments);
  }
  if (count === undefined) {
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
