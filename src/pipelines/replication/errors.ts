import { TributaryError } from '../../core/errors.js';

/** Replication failures a retry will not fix; the message says what to change. */
export class ReplicationError extends TributaryError {
  constructor(message: string, code = 'ReplicationFailed') {
    super(message, code, 1, 500);
  }
}

/** The target store refused us for a reason of configuration: missing bucket, bad credentials. */
export class TargetConfigError extends ReplicationError {
  constructor(message: string) {
    super(message, 'TargetMisconfigured');
  }
}

export class ObjectTooLargeError extends ReplicationError {
  constructor(size: number) {
    super(`object of ${size} bytes is larger than S3's 5 TiB limit`, 'ObjectTooLarge');
  }
}

/** What arrived is not what was read: sizes or checksums differ. Retried as a whole object. */
export class IntegrityError extends ReplicationError {
  constructor(message: string) {
    super(message, 'IntegrityCheckFailed');
  }
}

/** The invocation's deadline came before the copy finished; the multipart upload was aborted. */
export class DeadlineError extends ReplicationError {
  constructor(key: string) {
    super(
      `copy of "${key}" stopped before the function timeout and was aborted: raise the timeout or run \`tributary replicate backfill\` for objects this large`,
      'DeadlineExceeded',
    );
  }
}

/** The source object (or the version an event named) no longer exists. Not retried: it is gone. */
export class SourceGoneError extends ReplicationError {
  constructor(key: string) {
    super(`source object "${key}" no longer exists (deleted before it was replicated)`, 'SourceGone');
  }
}

/** The source object changed since the event that named it: that newer write's own event copies it. */
export class SourceChangedError extends ReplicationError {
  constructor(key: string) {
    super(`source object "${key}" changed since this event`, 'SourceChanged');
  }
}

/** A newer event for the key was replicated while this copy ran. */
export class SupersededError extends ReplicationError {
  constructor(key: string) {
    super(`a newer event for "${key}" was replicated while this copy ran`, 'Superseded');
  }
}
