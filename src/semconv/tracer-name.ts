/** The instrumentation scope of every span agentspan creates. */
export const TRACER_NAME = 'agentspan';
