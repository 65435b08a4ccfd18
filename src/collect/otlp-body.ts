import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { readJsonRequest } from './otlp-json-request';
import { decodeTraceRequest } from './otlp-protobuf-request';
import type { ReceivedResource } from './received-request';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export type OtlpFormat = 'protobuf' | 'json';

/** A request the collector refuses, with the HTTP status and the reason it sends back. */
export class RequestProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body's format from its Content-Type (OTLP/HTTP: application/x-protobuf or application/json); 415 otherwise. */
export function formatOf(contentType: string | undefined): OtlpFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new RequestProblem(415, `Content-Type must be application/x-protobuf or application/json, got "${type}"`);
}

/** The request's body, at most `maxBytes` (413 beyond, before reading more of it). */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes) throw new RequestProblem(413, `the body is ${declared} bytes; the limit is ${maxBytes}`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) throw new RequestProblem(413, `the body is over the limit of ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
}

/** The body decompressed as its Content-Encoding says (gzip, deflate or none), at most `maxBytes` once decompressed. */
export async function decompress(body: Buffer, encoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return body;
  if (coding !== 'gzip' && coding !== 'deflate') {
    throw new RequestProblem(415, `Content-Encoding must be gzip, deflate or none, got "${coding}"`);
  }
  try {
    // Decompressed off the main thread (zlib's thread pool), and stopped at the limit: a small bomb stays small.
    return await (coding === 'gzip' ? gunzipAsync : inflateAsync)(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RequestProblem(413, `the body is over the limit of ${maxBytes} bytes once decompressed`);
    }
    throw new RequestProblem(400, `the body is not valid ${coding}: ${(error as Error).message}`);
  }
}

/** The ExportTraceServiceRequest in the body, decoded or parsed; 400 if it is not one. */
export function decodeBody(body: Buffer, format: OtlpFormat): ReceivedResource[] {
  try {
    return format === 'protobuf' ? decodeTraceRequest(body) : readJsonRequest(JSON.parse(body.toString('utf8')));
  } catch (error) {
    const what = format === 'protobuf' ? 'an ExportTraceServiceRequest in protobuf' : 'an OTLP/JSON request';
    const reason = (error as Error).message;
    throw new RequestProblem(400, reason.startsWith('the body is not') ? reason : `the body is not ${what}: ${reason}`);
  }
}
