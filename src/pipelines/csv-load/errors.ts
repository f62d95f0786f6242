import { TributaryError } from '../../core/errors.js';

/**
 * The file cannot be loaded at all (empty, no usable header, no key column, binary). Retrying
 * cannot help, so the handler reports it as FAILED and returns instead of throwing.
 */
export class CsvRejectedError extends TributaryError {
  constructor(message: string) {
    super(message, 'CsvRejected', 1, 422);
  }
}
