import { onTestFinished } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startTracing } from "../../src/tracing.js";
import { startOtlpReceiver } from "../fakes/otlp-receiver.js";
import { captureLog } from "./capture-log.js";

/** Tracing to a fresh loopback receiver; stopping it (which flushes every span) is the test's. */
export async function tracingToReceiver() {
  const receiver = await startOtlpReceiver();
  onTestFinished(() => receiver.close());
  const config = loadConfig(
    { VOXNIX_ADMINS: "1", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    { purpose: "admin" },
  );
  const logs = captureLog();
  const stop = await startTracing(config, logs.log);
  onTestFinished(stop);
  return { receiver, stop, logs };
}
