/** The krkn telemetry wire contract's names, and this pipeline's defaults. */
export const SERVICE_NAME = 'telemetry';

export const PARAM = {
  requestId: 'request_id',
  group: 'telemetry_group',
  remoteFilename: 'remote_filename',
} as const;

/** What krkn stores per run, and what POST /telemetry writes. */
export const TELEMETRY_FILE = 'telemetry.json';

/** Group krkn uses when `telemetry_group` is empty. */
export const DEFAULT_GROUP = 'default';

/** One path segment: bounded charset and length; `.` and `..` are refused separately. */
export const SEGMENT_PATTERN = /^[A-Za-z0-9._=@+-]+$/;
export const MAX_SEGMENT_LENGTH = 200;
/** Segments in a remote_filename (krkn sends one; subfolders are allowed, bounded). */
export const MAX_FILENAME_SEGMENTS = 4;
/** S3's key limit is 1,024 bytes. */
export const MAX_KEY_LENGTH = 1024;

/** Roles a user can hold. */
export const ROLES = ['writer', 'reader'] as const;
export type Role = (typeof ROLES)[number];

export const BASIC_CHALLENGE = 'Basic realm="krkn-telemetry", charset="UTF-8"';

/** The header the Lambda handler sets to the path the API is served under (never trusted from clients). */
export const BASE_PATH_HEADER = 'x-forwarded-prefix';

export const PROMETHEUS_HINT = 'cat prometheus-* > prometheus-backup.tar && tar xfv prometheus-backup.tar';

/** Most keys in one `POST /download-urls` (one browser page). */
export const MAX_DOWNLOAD_KEYS = 1000;
/** Largest page of `/navigate` and of the run search. */
export const MAX_PAGE_SIZE = 1000;
/** telemetry.json larger than this is not inlined in the run page's JSON (download it instead). */
export const MAX_INLINE_TELEMETRY_BYTES = 4 * 1024 * 1024;
