import { createWaiter } from "./lib/waiter.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/**
 * An OpenTelemetry collector's OTLP/HTTP trace receiver on loopback: `POST /v1/traces` with an
 * `application/json` ExportTraceServiceRequest (gzip-encoded or not), answered 200 with an empty
 * ExportTraceServiceResponse, as the collector's otlpreceiver does. Spans are flattened for
 * assertions; every raw body is kept for scanning.
 *
 * Follows the OTLP specification's JSON encoding (opentelemetry-proto, docs/specification.md,
 * "JSON Protobuf Encoding"): trace and span ids are hex strings, enums are numbers, 64-bit
 * integers may come as strings or numbers, field names are lowerCamelCase.
 *
 * Not modelled: protobuf bodies (answered 415, as the collector answers an unknown content
 * type), partial success, retryable 429/503 answers, other signals (/v1/metrics, /v1/logs: 404).
 */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a trace's root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly events: readonly {
    readonly name: string;
    readonly attributes: Readonly<Record<string, AttributeValue>>;
  }[];
  /** The attributes of the resource the span came from (service.name, service.version …). */
  readonly resource: Readonly<Record<string, AttributeValue>>;
}

export type AttributeValue = string | number | boolean | readonly (string | number | boolean)[];

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it (the exporter appends /v1/traces). */
  readonly url: string;
  spans(): ReceivedSpan[];
  /** Every request body received, decoded to text: what a scan for leaks reads. */
  bodies(): string[];
  /** The content types of the requests received, in order. */
  contentTypes(): string[];
  /** Resolves with the first span matching `predicate`, as soon as one is received. */
  waitForSpan(
    predicate: (span: ReceivedSpan) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSpan>;
  close(): Promise<void>;
}

interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: KeyValue[];
        status?: { code?: number };
        events?: { name: string; attributes?: KeyValue[] }[];
      }[];
    }[];
  }[];
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const contentTypes: string[] = [];
  const waiter = createWaiter();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const contentType = req.headers["content-type"] ?? "";
      contentTypes.push(contentType);
      if (!contentType.startsWith("application/json")) {
        res.writeHead(415, { "content-type": "text/plain" }).end("only application/json");
        return;
      }
      let raw = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      const text = raw.toString("utf8");
      bodies.push(text);
      let request: ExportTraceServiceRequest;
      try {
        request = JSON.parse(text) as ExportTraceServiceRequest;
      } catch {
        res.writeHead(400, { "content-type": "text/plain" }).end("malformed JSON");
        return;
      }
      spans.push(...flatten(request));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      waiter.wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    bodies: () => [...bodies],
    contentTypes: () => [...contentTypes],
    waitForSpan: (predicate, timeoutMs = 10_000) =>
      waiter.until(
        () => spans.find(predicate),
        timeoutMs,
        () => `no matching span; saw: ${spans.map((s) => s.name).join(", ") || "(none)"}`,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        waiter.wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flatten(request: ExportTraceServiceRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? "",
        name: span.name,
        attributes: attributesOf(span.attributes),
        statusCode: span.status?.code ?? 0,
        events: (span.events ?? []).map((e) => ({
          name: e.name,
          attributes: attributesOf(e.attributes),
        })),
        resource,
      })),
    );
  });
}

function attributesOf(list: KeyValue[] = []): Record<string, AttributeValue> {
  return Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value ?? {})]));
}

function valueOf(value: AnyValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined)
    return (value.arrayValue.values ?? []).map((v) => valueOf(v) as string | number | boolean);
  return "";
}
