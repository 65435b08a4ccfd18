import type { ServerResponse } from 'node:http';
import type { OtlpFormat } from './otlp-body';
import { encodeRpcStatus, encodeTraceResponse } from './otlp-protobuf';

/** google.rpc.Code of each HTTP status the collector answers with (the body of an OTLP error response). */
const RPC_CODES: Readonly<Record<number, number>> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3,
  429: 8,
  503: 14, // UNAVAILABLE
};

const CONTENT_TYPES: Readonly<Record<OtlpFormat, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

function send(response: ServerResponse, status: number, format: OtlpFormat, body: Uint8Array | string, extra = {}) {
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPES[format],
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  response.end(body);
}

/** 200 with an ExportTraceServiceResponse, in the request's format: empty, or its partial_success. */
export function sendExportResponse(
  response: ServerResponse,
  format: OtlpFormat,
  rejectedSpans: number,
  errorMessage: string,
): void {
  if (format === 'protobuf') {
    send(response, 200, format, encodeTraceResponse(rejectedSpans, errorMessage));
    return;
  }
  const partial = rejectedSpans === 0 ? {} : { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } };
  send(response, 200, format, JSON.stringify(partial));
}

/** An error response: a google.rpc.Status with the reason, in the request's format; Retry-After when given. */
export function sendProblem(
  response: ServerResponse,
  format: OtlpFormat,
  status: number,
  message: string,
  retryAfterSeconds?: number,
): void {
  const code = RPC_CODES[status] ?? 13; // INTERNAL
  const body = format === 'protobuf' ? encodeRpcStatus(code, message) : JSON.stringify({ code, message });
  send(
    response,
    status,
    format,
    body,
    retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'json', JSON.stringify(value));
}
