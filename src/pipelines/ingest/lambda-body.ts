/**
 * The request body straight from the Lambda event Hono's adapter passes as `c.env.event`, so
 * a handler does not read it back through the Request's stream (Hono's Lambda adapter turns
 * the event's text into bytes and a stream; `c.req.text()` then reads and decodes them — a
 * chain of promises and copies per request).
 */

interface LambdaEnv {
  event?: { body?: unknown; isBase64Encoded?: unknown };
}

const BOM = 0xfeff;

/**
 * The text `c.req.text()` would give for this Hono env, when it is the event's own text
 * unchanged; undefined when the caller must read the Request (not a Lambda event, a base64
 * body, a leading BOM — which decoding strips — or lone surrogates, which the encoding turns
 * into U+FFFD).
 */
export function lambdaEventText(env: unknown): string | undefined {
  const event = (env as LambdaEnv | undefined)?.event;
  if (typeof event !== 'object' || event === null) return undefined;
  const { body } = event;
  // The adapter gives the Request no body for a missing or empty one: text() is ''.
  if (body === undefined || body === null || body === '') return '';
  if (typeof body !== 'string' || event.isBase64Encoded === true) return undefined;
  if (body.charCodeAt(0) === BOM) return undefined;
  return (body as string & { isWellFormed(): boolean }).isWellFormed() ? body : undefined;
}
