import { createWaiter } from "./lib/waiter.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A Telegram Bot API emulator on loopback: the methods voxnix uses, long polling with offsets,
 * and fault injection (429 with retry_after, 5xx). Offsets confirm as Telegram's do
 * (core.telegram.org/bots/api#getupdates): a call with an offset higher than an update's id
 * confirms that update, which is then forgotten and never delivered again, to this process or
 * the next; a negative offset -N keeps only the last N updates. Unconfirmed updates come again
 * to whoever polls next, as they would to a bot restarted before it confirmed them. Tests act as users (`sendText`,
 * `pressButton`) and assert on what the bot sent.
 *
 * deleteMessage removes a user's message or the bot's own and answers true; a message that is
 * not there (never sent, or deleted already) is 400 "Bad Request: message to delete not found",
 * as Telegram answers (core.telegram.org/bots/api#deletemessage; the text as grammY users
 * report it).
 *
 * Not modelled: Telegram refuses answerCallbackQuery for a press more than a few seconds old
 * (400 "query is too old and response timeout expired or query ID is invalid", as bots' issue
 * trackers report), so the bot answers presses before any slow work.
 *
 * Our own rather than telegram-test-api, which lacks sendChatAction/setMyCommands and answers
 * getUpdates without honouring long-poll timeouts (design.md allows either).
 */
export interface SentMessage {
  message_id: number;
  chat_id: number;
  text: string;
  entities?: unknown[];
  reply_markup?: { inline_keyboard?: { text: string; callback_data?: string }[][] };
  /** Every text this message has had, newest last (edits included). */
  history: string[];
  /** When it was sent (performance.now()), for latency measurements. */
  sentAtMs: number;
  /** When its text last changed (sent or edited), likewise. */
  changedAtMs: number;
}

export interface ApiCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
  /** performance.now() when the call arrived. */
  readonly atMs: number;
}

type Fault = { method: string; status: number; retryAfter?: number; times: number };

export interface BotApiServer {
  readonly url: string;
  readonly token: string;
  /** A user sends a text message (private chat unless `chatId` names a group); its id. */
  sendText(
    from: number,
    text: string,
    options?: { chatId?: number; chatType?: "private" | "group" },
  ): number;
  /** Ids of the messages the bot deleted in `chatId` (deleteMessage), in order. */
  deleted(chatId: number): number[];
  /** A user presses an inline button under one of the bot's messages. */
  pressButton(from: number, message: SentMessage, data: string): string;
  messages(chatId: number): SentMessage[];
  calls(method?: string): ApiCall[];
  /** Resolves with the first message in `chatId` matching `predicate`, as soon as one is sent. */
  waitFor(
    chatId: number,
    predicate: (m: SentMessage) => boolean,
    timeoutMs?: number,
  ): Promise<SentMessage>;
  /** Fails the next `times` calls of `method` with `status` (429 carries retry_after seconds). */
  fail(method: string, status: number, options?: { retryAfter?: number; times?: number }): void;
  close(): Promise<void>;
}

export const DEFAULT_BOT_TOKEN = "123456:TEST-bot-token";

export async function startBotApiServer(token = DEFAULT_BOT_TOKEN): Promise<BotApiServer> {
  const updates: Record<string, unknown>[] = [];
  let nextUpdateId = 1;
  let nextMessageId = 1;
  let nextCallbackId = 1;
  const sent = new Map<number, SentMessage[]>();
  // What users sent, by chat (ids only: deleteMessage needs to know a message exists).
  const received = new Map<number, Set<number>>();
  const deletedIds = new Map<number, number[]>();
  const calls: ApiCall[] = [];
  const faults: Fault[] = [];
  const pollers = new Set<() => void>();
  // Woken after every answered call, so waitFor sees a reply as soon as it exists.
  const waiter = createWaiter();
  const now = () => Math.floor(Date.now() / 1000);

  const push = (update: Record<string, unknown>) => {
    updates.push({ update_id: nextUpdateId++, ...update });
    for (const wake of pollers) wake();
  };
  const find = (chatId: number, messageId: number) =>
    sent.get(chatId)?.find((m) => m.message_id === messageId);
  const user = (id: number) => ({
    id,
    is_bot: false,
    first_name: `User${id}`,
    username: `user${id}`,
  });

  const methods: Record<string, (p: Record<string, unknown>) => unknown | Promise<unknown>> = {
    getMe: () => ({
      id: 42,
      is_bot: true,
      first_name: "voxnix",
      username: "voxnix_test_bot",
      can_join_groups: true,
    }),
    deleteWebhook: () => true,
    setMyCommands: () => true,
    getMyCommands: () => [],
    sendChatAction: () => true,
    answerCallbackQuery: () => true,
    async getUpdates(p) {
      let offset = Number(p.offset ?? 0);
      if (offset < 0) {
        updates.splice(0, Math.max(0, updates.length + offset));
        offset = 0;
      }
      if (offset > 0)
        updates.splice(0, updates.filter((u) => (u.update_id as number) < offset).length);
      const timeoutMs = Math.min(Number(p.timeout ?? 0), 2) * 1000;
      const pending = () => updates.filter((u) => (u.update_id as number) >= offset);
      if (pending().length === 0 && timeoutMs > 0) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            pollers.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, timeoutMs);
          pollers.add(wake);
        });
      }
      return pending().slice(0, Number(p.limit ?? 100));
    },
    sendMessage(p) {
      withinLimits(p);
      const chatId = Number(p.chat_id);
      const message: SentMessage = {
        message_id: nextMessageId++,
        chat_id: chatId,
        text: String(p.text),
        history: [String(p.text)],
        sentAtMs: performance.now(),
        changedAtMs: performance.now(),
        ...(p.entities ? { entities: p.entities as unknown[] } : {}),
        ...(p.reply_markup
          ? { reply_markup: p.reply_markup as NonNullable<SentMessage["reply_markup"]> }
          : {}),
      };
      sent.set(chatId, [...(sent.get(chatId) ?? []), message]);
      return {
        message_id: message.message_id,
        date: now(),
        chat: { id: chatId, type: "private" },
        text: message.text,
      };
    },
    editMessageText(p) {
      withinLimits(p);
      const message = find(Number(p.chat_id), Number(p.message_id));
      if (!message) throw new ApiError(400, "Bad Request: message to edit not found");
      if (
        message.text === p.text &&
        JSON.stringify(message.reply_markup) === JSON.stringify(p.reply_markup)
      ) {
        throw new ApiError(400, "Bad Request: message is not modified");
      }
      message.text = String(p.text);
      message.history.push(message.text);
      message.changedAtMs = performance.now();
      if (p.entities) message.entities = p.entities as unknown[];
      if (p.reply_markup)
        message.reply_markup = p.reply_markup as NonNullable<SentMessage["reply_markup"]>;
      else delete message.reply_markup;
      return {
        message_id: message.message_id,
        date: now(),
        chat: { id: message.chat_id, type: "private" },
        text: message.text,
      };
    },
    // As Telegram: a message that is not there (never sent, or deleted already) is a 400.
    deleteMessage(p) {
      const chatId = Number(p.chat_id);
      const id = Number(p.message_id);
      const own = sent.get(chatId)?.findIndex((m) => m.message_id === id) ?? -1;
      if (own >= 0) sent.get(chatId)?.splice(own, 1);
      else if (!received.get(chatId)?.delete(id))
        throw new ApiError(400, "Bad Request: message to delete not found");
      deletedIds.set(chatId, [...(deletedIds.get(chatId) ?? []), id]);
      return true;
    },
    editMessageReplyMarkup(p) {
      withinLimits(p);
      const message = find(Number(p.chat_id), Number(p.message_id));
      if (!message) throw new ApiError(400, "Bad Request: message to edit not found");
      if (p.reply_markup)
        message.reply_markup = p.reply_markup as NonNullable<SentMessage["reply_markup"]>;
      else delete message.reply_markup;
      return true;
    },
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!match || match[1] !== token)
      return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
    const method = match[2] as string;
    const params = await readParams(req);
    calls.push({ method, params, atMs: performance.now() });
    const fault = faults.find((f) => f.method === method && f.times > 0);
    if (fault) {
      fault.times--;
      return reply(fault.status, {
        ok: false,
        error_code: fault.status,
        description:
          fault.status === 429
            ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}`
            : "Internal Server Error",
        ...(fault.status === 429 ? { parameters: { retry_after: fault.retryAfter ?? 1 } } : {}),
      });
    }
    const implementation = methods[method];
    if (!implementation)
      return reply(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
    try {
      reply(200, { ok: true, result: await implementation(params) });
      waiter.wake();
    } catch (error) {
      if (error instanceof ApiError)
        reply(error.status, { ok: false, error_code: error.status, description: error.message });
      else reply(500, { ok: false, error_code: 500, description: String(error) });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    sendText(from, text, options = {}) {
      const chatId = options.chatId ?? from;
      const command = /^\/\w+/.exec(text)?.[0];
      const messageId = nextMessageId++;
      received.set(chatId, (received.get(chatId) ?? new Set()).add(messageId));
      push({
        message: {
          message_id: messageId,
          date: now(),
          from: user(from),
          chat:
            options.chatType === "group"
              ? { id: chatId, type: "group", title: "group" }
              : { id: chatId, type: "private", first_name: `User${from}` },
          text,
          ...(command
            ? { entities: [{ type: "bot_command", offset: 0, length: command.length }] }
            : {}),
        },
      });
      return messageId;
    },
    deleted: (chatId) => deletedIds.get(chatId) ?? [],
    pressButton(from, message, data) {
      const id = String(nextCallbackId++);
      push({
        callback_query: {
          id,
          from: user(from),
          chat_instance: "1",
          data,
          message: {
            message_id: message.message_id,
            date: now(),
            chat: { id: message.chat_id, type: "private" },
            text: message.text,
          },
        },
      });
      return id;
    },
    messages: (chatId) => sent.get(chatId) ?? [],
    calls: (method) => calls.filter((c) => method === undefined || c.method === method),
    waitFor: (chatId, predicate, timeoutMs = 10_000) =>
      waiter.until(
        () => (sent.get(chatId) ?? []).find(predicate),
        timeoutMs,
        () =>
          `no matching message in chat ${chatId}; saw:\n  ${(sent.get(chatId) ?? []).map((m) => JSON.stringify(m.text)).join("\n  ") || "(nothing)"}`,
      ),
    fail(method, status, options = {}) {
      faults.push({
        method,
        status,
        times: options.times ?? 1,
        ...(options.retryAfter ? { retryAfter: options.retryAfter } : {}),
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const wake of pollers) wake();
        waiter.wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  if (body === "") return {};
  if ((req.headers["content-type"] ?? "").includes("application/json"))
    return JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(body));
}

/**
 * Telegram's limits on what a method carries, as the real Bot API refuses them: text of at most
 * 4,096 characters and callback data of 1 to 64 bytes.
 */
function withinLimits(p: Record<string, unknown>) {
  if (typeof p.text === "string" && p.text.length > 4096)
    throw new ApiError(400, "Bad Request: message is too long");
  const keyboard = (
    p.reply_markup as { inline_keyboard?: { callback_data?: string }[][] } | undefined
  )?.inline_keyboard;
  for (const button of keyboard?.flat() ?? []) {
    const bytes = Buffer.byteLength(button.callback_data ?? "x");
    if (bytes < 1 || bytes > 64) throw new ApiError(400, "Bad Request: BUTTON_DATA_INVALID");
  }
}
