/**
 * One ListObjectsV2 page, read without the SDK's generic XML deserializer. For a 1,000-entry
 * page that deserializer (XML → tree → `#text` unwrapping → schema walk) is most of `/navigate`'s
 * CPU, and on a fresh process (cold JIT) it made a 10,000-run group take ~300 ms. The request
 * still goes through the client (endpoint, signing, retries, the local access guard); only a
 * 200 response's body is read here — ListBucketResult has a fixed, flat shape — and the SDK is
 * left an empty result to deserialize. Errors (non-2xx, or S3's 200-with-<Error>) keep the
 * SDK's own handling. Tests compare it with the SDK's output on the embedded endpoint.
 */
import { Readable } from 'node:stream';
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DeserializeMiddleware, InitializeMiddleware } from '@smithy/types';

export interface ListedObject {
  key: string;
  size: number;
  /** As S3 sends it (ISO 8601). */
  lastModified: string;
}

export interface ListedPage {
  /** CommonPrefixes, in S3's order. */
  prefixes: string[];
  objects: ListedObject[];
  nextContinuationToken?: string;
}

const EMPTY_RESULT = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult></ListBucketResult>';

const PAGE = Symbol('telemetry list page');
type PageOutput = ListObjectsV2CommandOutput & { [PAGE]?: ListedPage };
// Keyed by the HTTP response: the middleware must hold no per-call state, because clients
// with `cacheMiddleware` reuse one resolved stack for every command of a class.
const readPages = new WeakMap<object, ListedPage>();

// Placed before S3's 200-error check, which has already read the body into a buffer stream
// (and marked a 200 carrying <Error> as 503): a page is read only from a real result.
const readPage: DeserializeMiddleware<ListObjectsV2CommandInput, ListObjectsV2CommandOutput> =
  (next) => async (args) => {
    const result = await next(args);
    const response = result.response as { statusCode?: number; body?: unknown };
    if (response.statusCode === 200 && response.body instanceof Readable) {
      readPages.set(response, parseListBucketResult(await readAll(response.body)));
      response.body = Readable.from([Buffer.from(EMPTY_RESULT)]);
    }
    return result;
  };

// Outermost: hands the page read above to the caller with the (empty) SDK output.
const attachPage: InitializeMiddleware<ListObjectsV2CommandInput, ListObjectsV2CommandOutput> =
  (next) => async (args) => {
    const result = await next(args);
    const page = readPages.get(result.response as object);
    if (page) (result.output as PageOutput)[PAGE] = page;
    return result;
  };

/** ListObjectsV2 whose 200 body is read by `parseListBucketResult` (its own class: its own cached stack). */
class ListPageCommand extends ListObjectsV2Command {
  constructor(input: ListObjectsV2CommandInput) {
    super(input);
    this.middlewareStack.addRelativeTo(readPage, {
      relation: 'before',
      toMiddleware: 'throw200ExceptionsMiddleware',
      name: 'telemetryReadListPage',
      override: true,
    });
    this.middlewareStack.add(attachPage, {
      step: 'initialize',
      priority: 'high',
      name: 'telemetryAttachListPage',
      override: true,
    });
  }
}

export async function listPage(s3: S3Client, input: ListObjectsV2CommandInput): Promise<ListedPage> {
  const output: PageOutput = await s3.send(new ListPageCommand(input));
  const page = output[PAGE];
  if (page) return page;
  // A body this module did not read (another HTTP handler's stream type): the SDK's parse.
  return {
    prefixes: (output.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
    objects: (output.Contents ?? []).flatMap((o) =>
      o.Key ? [{ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.toISOString() ?? '' }] : [],
    ),
    ...(output.IsTruncated && output.NextContinuationToken
      ? { nextContinuationToken: output.NextContinuationToken }
      : {}),
  };
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** ListBucketResult's Contents, CommonPrefixes, IsTruncated and NextContinuationToken. */
export function parseListBucketResult(xml: string): ListedPage {
  const root = xml.indexOf('<ListBucketResult');
  if (root < 0) throw new Error('ListObjectsV2 answered without a ListBucketResult');
  const prefixes: string[] = [];
  const objects: ListedObject[] = [];
  let isTruncated = false;
  let nextContinuationToken: string | undefined;
  // Walk the root's children in order; each is a flat element or a Contents/CommonPrefixes block.
  let at = xml.indexOf('>', root) + 1;
  for (;;) {
    const open = xml.indexOf('<', at);
    if (open < 0) break;
    if (xml.startsWith('</ListBucketResult', open)) break;
    const nameEnd = xml.indexOf('>', open);
    if (nameEnd < 0) break;
    const opening = xml.slice(open + 1, nameEnd);
    if (opening.endsWith('/')) {
      at = nameEnd + 1; // <Empty/>
      continue;
    }
    const tag = opening.split(/\s/, 1)[0] as string;
    const close = xml.indexOf(`</${tag}>`, nameEnd);
    if (close < 0) throw new Error(`ListObjectsV2 result: <${tag}> is not closed`);
    const inner = xml.slice(nameEnd + 1, close);
    at = close + tag.length + 3;
    if (tag === 'Contents') {
      const key = child(inner, 'Key');
      if (key !== undefined)
        objects.push({
          key,
          size: Number(child(inner, 'Size') ?? 0),
          lastModified: child(inner, 'LastModified') ?? '',
        });
    } else if (tag === 'CommonPrefixes') {
      const prefix = child(inner, 'Prefix');
      if (prefix !== undefined) prefixes.push(prefix);
    } else if (tag === 'IsTruncated') isTruncated = inner.trim() === 'true';
    else if (tag === 'NextContinuationToken') nextContinuationToken = decodeXml(inner);
  }
  return {
    prefixes,
    objects,
    ...(isTruncated && nextContinuationToken ? { nextContinuationToken } : {}),
  };
}

function child(xml: string, tag: string): string | undefined {
  const open = xml.indexOf(`<${tag}>`);
  if (open < 0) return xml.includes(`<${tag}/>`) ? '' : undefined;
  const start = open + tag.length + 2;
  const end = xml.indexOf(`</${tag}>`, start);
  return end < 0 ? undefined : decodeXml(xml.slice(start, end));
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML character references (S3 escapes `&<>"'` and control characters such as `&#x0D;`). */
function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return NAMED[ref] ?? whole;
  });
}
