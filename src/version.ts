/** The package version, reported as the tracer's instrumentation scope version. Kept equal to package.json by a test. */
export const VERSION = '0.1.0';
