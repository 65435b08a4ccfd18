// The masking of connection strings lives with the other redaction rules (capture/); the store's callers keep this path.
export { MASK, maskUrl, maskUrlsIn } from '../capture/mask-url';
