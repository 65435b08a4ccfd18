import { Root, type INamespace, type Type } from 'protobufjs/light';

/**
 * The OTLP messages the collector sends back, as a protobufjs descriptor with the field numbers of opentelemetry-proto
 * v1 (collector/trace/v1/trace_service.proto) and google.rpc.Status (without its details). Requests are decoded by
 * otlp-protobuf-request.ts.
 */
const OTLP_RESPONSES: INamespace = {
  nested: {
    ExportTraceServiceResponse: { fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } } },
    ExportTracePartialSuccess: {
      fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
    },
    RpcStatus: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } },
  },
};

const root = Root.fromJSON(OTLP_RESPONSES);
const responseType: Type = root.lookupType('ExportTraceServiceResponse');
const statusType: Type = root.lookupType('RpcStatus');

/** Encodes an ExportTraceServiceResponse: empty on full success, else with its partial_success. */
export function encodeTraceResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  if (rejectedSpans === 0 && errorMessage === '') return new Uint8Array(0);
  return responseType.encode({ partialSuccess: { rejectedSpans, errorMessage } }).finish();
}

/** Encodes a google.rpc.Status (the body of an OTLP error response). */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return statusType.encode({ code, message }).finish();
}
