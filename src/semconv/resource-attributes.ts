/** Resource attribute names agentspan reads (stable OpenTelemetry semantic conventions). */
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_TELEMETRY_SDK_LANGUAGE = 'telemetry.sdk.language';
