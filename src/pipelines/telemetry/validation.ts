/**
 * Everything a client names — groups, run folders, file names, object paths — becomes an S3
 * key, so each is checked segment by segment before it gets near one: bounded length, a
 * small charset, no `.`/`..`, no empty segments (so no leading, trailing or doubled `/`).
 */
import {
  MAX_FILENAME_SEGMENTS,
  MAX_KEY_LENGTH,
  MAX_SEGMENT_LENGTH,
  SEGMENT_PATTERN,
  TELEMETRY_FILE,
} from './constants.js';
import { BadRequestError } from './errors.js';

export function checkSegment(value: string, what: string): string {
  if (value === '') throw new BadRequestError(`${what} has an empty path segment`);
  if (value === '.' || value === '..')
    throw new BadRequestError(`${what} must not contain "." or ".." segments`);
  if (value.length > MAX_SEGMENT_LENGTH)
    throw new BadRequestError(`${what} has a segment longer than ${MAX_SEGMENT_LENGTH} characters`);
  if (!SEGMENT_PATTERN.test(value))
    throw new BadRequestError(
      `${what} may only contain letters, digits and . _ - + = @ (got ${JSON.stringify(clip(value))})`,
    );
  return value;
}

/** `a/b/c` → its segments, each checked; `min`..`max` segments. */
export function checkPath(value: string, what: string, min: number, max: number): string[] {
  if (value.startsWith('/')) throw new BadRequestError(`${what} must be relative (it starts with "/")`);
  if (value.includes('\\')) throw new BadRequestError(`${what} must not contain "\\"`);
  const segments = value.split('/');
  for (const segment of segments) checkSegment(segment, what);
  if (segments.length < min || segments.length > max) {
    const range = min === max ? `${min}` : `${min} to ${max}`;
    throw new BadRequestError(
      `${what} must have ${range} path segment${max === 1 ? '' : 's'} (got ${segments.length})`,
    );
  }
  return segments;
}

export function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new BadRequestError(`missing ${name} param`);
  if (value === '') throw new BadRequestError(`${name} param is empty`);
  return value;
}

/** `telemetry_group`: one segment. */
export const checkGroup = (value: string): string => checkSegment(value, 'telemetry_group');

/** POST /telemetry's `request_id`: the run folder, one segment. */
export const checkRunFolder = (value: string): string => checkSegment(value, 'request_id');

/** GET /presigned-url: `request_id` = `<group>/<run>` (krkn puts the group in), `remote_filename` = a file name. */
export function uploadKey(requestId: string, remoteFilename: string): string {
  const [group, run] = checkPath(requestId, 'request_id', 2, 2) as [string, string];
  const file = checkPath(remoteFilename, 'remote_filename', 1, MAX_FILENAME_SEGMENTS);
  if (file.length === 1 && file[0] === TELEMETRY_FILE)
    throw new BadRequestError(
      `remote_filename ${TELEMETRY_FILE} is reserved: it is written by POST /telemetry`,
    );
  return checkKeyLength(`${group}/${run}/${file.join('/')}`);
}

/** `<group>/<run>/<file>` and the 1- and 2-segment forms of GET /download-url. */
export function objectKey(path: string, what = 'path'): string {
  checkPath(path, what, 1, 2 + MAX_FILENAME_SEGMENTS);
  return checkKeyLength(path);
}

function checkKeyLength(key: string): string {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_LENGTH)
    throw new BadRequestError(`the object key would be longer than ${MAX_KEY_LENGTH} bytes`);
  return key;
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
