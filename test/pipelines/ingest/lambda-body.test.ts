import { Hono } from 'hono';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaEventText } from '../../../src/pipelines/ingest/lambda-body.js';

/** What a handler behind Hono's Lambda adapter sees: the event's text and the Request's text(). */
const app = new Hono();
app.post('/', async (c) => {
  const fromEvent = lambdaEventText(c.env);
  return c.json({ fromEvent: fromEvent ?? null, text: await c.req.text() });
});
const serve = handle(app);

const event = (body: string | null, isBase64Encoded = false) =>
  ({
    version: '2.0',
    routeKey: 'POST /',
    rawPath: '/',
    rawQueryString: '',
    headers: { host: 'localhost', 'content-type': 'application/json' },
    requestContext: {
      domainName: 'localhost',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      requestId: 'r',
      routeKey: 'POST /',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded,
  }) as unknown as LambdaEvent;

async function seen(body: string | null, isBase64Encoded = false) {
  const result = (await serve(event(body, isBase64Encoded))) as { body: string };
  return JSON.parse(result.body) as { fromEvent: string | null; text: string };
}

describe('lambdaEventText', () => {
  it.each([
    ['JSON', '[{"a":1},{"b":"x"}]'],
    ['non-ASCII text', '{"name":"Zoë 🌊 日本"}'],
    ['whitespace only', ' \n\t '],
    ['a BOM inside, not first', '{"a":"\uFEFF"}'],
    ['a replacement character already', '{"a":"\uFFFD"}'],
  ])('gives the text Hono reads for %s', async (_name, body) => {
    // Act
    const { fromEvent, text } = await seen(body);
    // Assert
    expect(fromEvent).toBe(body);
    expect(fromEvent).toBe(text);
  });

  it.each([
    ['a missing body', null],
    ['an empty body', ''],
  ])("gives '' for %s, as text() does", async (_name, body) => {
    // Act
    const { fromEvent, text } = await seen(body);
    // Assert
    expect(fromEvent).toBe('');
    expect(text).toBe('');
  });

  it.each([
    ['a leading BOM (decoding strips it)', '\uFEFF{"a":1}'],
    ['a lone surrogate (encoding replaces it)', '{"a":"\uD800"}'],
  ])('leaves %s to the Request', async (_name, body) => {
    // Act
    const { fromEvent, text } = await seen(body);
    // Assert
    expect(fromEvent).toBeNull();
    expect(text).not.toBe(body);
  });

  it('leaves a base64 body to the Request', async () => {
    // Act
    const { fromEvent, text } = await seen(Buffer.from('{"a":1}').toString('base64'), true);
    // Assert
    expect(fromEvent).toBeNull();
    expect(text).toBe('{"a":1}');
  });

  it('gives undefined outside a Lambda event (app.request, other adapters)', () => {
    expect(lambdaEventText(undefined)).toBeUndefined();
    expect(lambdaEventText({})).toBeUndefined();
    expect(lambdaEventText({ event: null })).toBeUndefined();
    expect(lambdaEventText({ event: { body: 42 } })).toBeUndefined();
  });
});
