import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The path as the app's routes see it. `hono/aws-lambda` routes on `rawPath`, which holds
 * whatever sits in front of the API's routes: a named stage (`/prod/records`), a custom
 * domain's base path mapping (`/ingest/records`), or nothing (`$default` stage, and the local
 * gateway). The matched route key says how many trailing segments are the route's own, so
 * everything before them is dropped; without a route key, a named stage is.
 */
export function routePathOf(
  event: Pick<APIGatewayProxyEventV2, 'rawPath' | 'routeKey' | 'requestContext'>,
): string {
  const { rawPath } = event;
  const routeKey = event.routeKey ?? event.requestContext?.routeKey;
  const template = routeKey && routeKey !== '$default' ? routeKey.split(' ')[1] : undefined;
  if (template && !template.includes('+}')) {
    const count = template.split('/').filter((s) => s !== '').length;
    const segments = rawPath.split('/').filter((s) => s !== '');
    if (segments.length >= count) return `/${segments.slice(segments.length - count).join('/')}`;
  }
  const stage = event.requestContext?.stage;
  if (stage && stage !== '$default') {
    const prefix = `/${stage}`;
    if (rawPath === prefix) return '/';
    if (rawPath.startsWith(`${prefix}/`)) return rawPath.slice(prefix.length);
  }
  return rawPath;
}

export function withRoutePath<E extends APIGatewayProxyEventV2>(event: E): E {
  const path = routePathOf(event);
  return path === event.rawPath ? event : { ...event, rawPath: path };
}
