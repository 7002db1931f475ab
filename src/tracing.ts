import {
  context,
  diag,
  DiagLogLevel,
  propagation,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from "@opentelemetry/api";
import { readFileSync } from "node:fs";
import type { Config } from "./config.js";
import type { Logger } from "./log.js";
import { within } from "./within.js";

/** Exports the spans still buffered (waiting up to 5 s for the collector), then stops tracing. */
export type StopTracing = () => Promise<void>;

const TRACER = "voxnix";
const FLUSH_MS = 5_000;

/**
 * Starts exporting spans to `config.telemetry.otlpEndpoint` (OTLP over HTTP, JSON, at
 * `<endpoint>/v1/traces`) as service "voxnix". Without an endpoint it loads nothing and spans
 * cost next to nothing: @opentelemetry/api alone is a no-op. The SDK's own variables still
 * apply: OTEL_EXPORTER_OTLP_HEADERS (a collector's credentials), OTEL_BSP_SCHEDULE_DELAY (ms
 * between batches, default 5 000).
 */
export async function startTracing(config: Config, log: Logger): Promise<StopTracing> {
  const endpoint = config.telemetry.otlpEndpoint;
  if (endpoint === undefined) return async () => {};
  // Loaded only here: the SDK and exporter weigh several megabytes that a daemon without a
  // collector should not carry.
  const [sdk, { OTLPTraceExporter }, resources, conventions] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
  ]);
  // The SDK reports a failed export (a collector down or refusing) only through diag.
  diag.setLogger(
    {
      error: (message) => log.warn({ detail: message }, "tracing: export failed"),
      warn: (message) => log.warn({ detail: message }, "tracing"),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const provider = new sdk.NodeTracerProvider({
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        [conventions.ATTR_SERVICE_NAME]: "voxnix",
        [conventions.ATTR_SERVICE_VERSION]: packageVersion(),
      }),
    ),
    spanProcessors: [
      new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` })),
    ],
  });
  provider.register();
  log.info({ collector: new URL(endpoint).origin }, "exporting traces over OTLP");
  return async () => {
    try {
      await within(provider.shutdown(), FLUSH_MS);
    } catch (error) {
      log.warn({ err: error }, "tracing: flushing the last spans failed");
    }
    // Unregistered, so that a later startTracing in this process (tests) can register again.
    trace.disable();
    context.disable();
    propagation.disable();
    diag.disable();
  };
}

/**
 * Runs `fn` in a new active span (a child of the span active now) and ends the span when `fn`
 * returns, or, when it returns a Promise, when that settles. A synchronous `fn` stays
 * synchronous. A throw or rejection sets the span's status to error and records the error's
 * type alone: messages (a host command's argv and stderr, a provider's reply) may carry what
 * attributes must not, so attributes are only ids, names and counts the caller chose.
 * Undefined attribute values are left out.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return trace.getTracer(TRACER).startActiveSpan(name, { attributes }, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      failed(span, error);
      span.end();
      throw error;
    }
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        failed(span, error);
        span.end();
        throw error;
      },
    ) as T;
  });
}

function failed(span: Span, error: unknown): void {
  span.recordException({ name: error instanceof Error ? error.name : typeof error });
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** The package's version: package.json sits beside src/ and dist/ alike. */
function packageVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
