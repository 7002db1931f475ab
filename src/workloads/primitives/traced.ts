import type { Attributes } from "@opentelemetry/api";
import { inSpan } from "../../tracing.js";
import type { Actor } from "./actor.js";
import type { Admission } from "./provision.js";
import { isContainerName } from "./spec.js";

/**
 * `service` with each of its methods in a span, `workloads <method>`, saying who acts
 * (`voxnix.user`) and, when the input names one, which container (`voxnix.container`). A
 * synchronous method stays synchronous; the admission that admitCreate and admitRestore return
 * gets a span for its `run` too, since the host work happens there, after the admission's span.
 * Properties that are not functions (`conversation`, `notices`: store reads) stay as they are.
 */
export function traced<S extends Record<string, unknown>>(service: S): S {
  const wrapped: Record<string, unknown> = { ...service };
  for (const [method, value] of Object.entries(service)) {
    if (typeof value !== "function") continue;
    const call = value as (...args: unknown[]) => unknown;
    wrapped[method] = (...args: unknown[]) => {
      const attributes = attributesOf(args);
      const result = inSpan(`workloads ${method}`, attributes, () => call(...args));
      if (!isAdmission(result)) return result;
      return {
        ...result,
        run: (...runArgs: Parameters<Admission["run"]>) =>
          inSpan(`workloads ${method} run`, attributes, () => result.run(...runArgs)),
      } satisfies Admission;
    };
  }
  return wrapped as S;
}

/** Only ids and valid container names: an input's name may be anything a model wrote. */
function attributesOf([actor, input]: unknown[]): Attributes {
  const name = (input as { name?: unknown } | undefined)?.name;
  return {
    "voxnix.user": isActor(actor) ? actor.userId : undefined,
    "voxnix.container": typeof name === "string" && isContainerName(name) ? name : undefined,
  };
}

function isActor(value: unknown): value is Actor {
  return typeof (value as Actor | undefined)?.userId === "number";
}

function isAdmission(value: unknown): value is Admission {
  const admission = value as Partial<Admission> | undefined;
  return typeof admission?.run === "function" && typeof admission.release === "function";
}
