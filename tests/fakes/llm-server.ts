import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the scripted model answers to one chat-completions request. */
export type LlmReply =
  | { readonly text: string }
  | {
      readonly toolCalls: readonly {
        readonly name: string;
        readonly args: Record<string, unknown>;
      }[];
    }
  | { readonly status: number }
  | { readonly delayMs: number; readonly then: LlmReply }
  | { readonly malformed: true };

export interface LlmRequest {
  readonly model: string;
  readonly messages: {
    role: string;
    content?: unknown;
    tool_calls?: unknown[];
    tool_call_id?: string;
  }[];
  readonly tools?: { function: { name: string; description?: string; parameters?: unknown } }[];
  /** The raw body, for measuring what each request costs. */
  readonly raw: string;
  readonly authorization: string | undefined;
}

export interface LlmServer {
  /** Base URL for LLM_BASE_URL (ends in /v1). */
  readonly url: string;
  /** Decides each reply; the default answers "ok". */
  script(next: (request: LlmRequest, index: number) => LlmReply): void;
  /** Queues replies for the next requests, then falls back to the script. */
  queue(...replies: LlmReply[]): void;
  requests(): LlmRequest[];
  close(): Promise<void>;
}

/** A scripted OpenAI-compatible chat-completions server on loopback (non-streaming). */
export async function startLlmServer(): Promise<LlmServer> {
  const requests: LlmRequest[] = [];
  const queued: LlmReply[] = [];
  let script: (request: LlmRequest, index: number) => LlmReply = () => ({ text: "ok" });
  let nextId = 1;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      if (req.url !== "/v1/chat/completions") {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as Omit<LlmRequest, "raw" | "authorization">;
      const request: LlmRequest = { ...body, raw, authorization: req.headers.authorization };
      requests.push(request);
      const reply = queued.shift() ?? script(request, requests.length - 1);
      void respond(reply);

      async function respond(r: LlmReply): Promise<void> {
        if ("delayMs" in r) {
          await new Promise((resolve) => setTimeout(resolve, r.delayMs));
          if (res.destroyed) return;
          return respond(r.then);
        }
        if ("status" in r) {
          res.writeHead(r.status, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: "scripted failure", type: "server_error" } }));
          return;
        }
        if ("malformed" in r) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"choices": [ this is not json');
          return;
        }
        const id = `chatcmpl-${nextId++}`;
        const message =
          "text" in r
            ? { role: "assistant", content: r.text }
            : {
                role: "assistant",
                content: null,
                tool_calls: r.toolCalls.map((call, i) => ({
                  id: `call_${nextId}_${i}`,
                  type: "function",
                  function: { name: call.name, arguments: JSON.stringify(call.args) },
                })),
              };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [{ index: 0, message, finish_reason: "text" in r ? "stop" : "tool_calls" }],
            usage: {
              prompt_tokens: Math.ceil(raw.length / 4),
              completion_tokens: 5,
              total_tokens: Math.ceil(raw.length / 4) + 5,
            },
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    script: (next) => {
      script = next;
    },
    queue: (...replies) => void queued.push(...replies),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
