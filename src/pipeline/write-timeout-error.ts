/** A write attempt outlived the pipeline's writeTimeoutMs; always worth retrying. */
export class WriteTimeoutError extends Error {
  override readonly name = 'WriteTimeoutError';
  readonly transient = true;
}
