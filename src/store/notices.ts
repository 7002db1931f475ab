import type { Db } from "./database.js";

export interface NoticeRecord {
  readonly id: number;
  /** Who is told. */
  readonly userId: number;
  /** The chat and message that showed the operation's progress, edited into the outcome. */
  readonly chatId: number | undefined;
  readonly messageId: number | undefined;
  readonly text: string;
  /** Buttons under it: callback data the bot's handlers answer (an idle warning's Keep alive). */
  readonly buttons: readonly NoticeButton[];
  readonly createdAtMs: number;
}

/**
 * What a notice's button asks for, as meaning: the bot encodes it as callback data
 * (bot/keyboards.ts, the one place that does), and checks it again when it is pressed.
 */
export type NoticePress =
  | { readonly kind: "keep-alive"; readonly name: string }
  | { readonly kind: "stop"; readonly name: string }
  | { readonly kind: "restore"; readonly trashId: string }
  /** A card's answer (an access request's Approve or Deny): its pending action's id. */
  | { readonly kind: "confirm"; readonly id: string }
  | { readonly kind: "cancel"; readonly id: string };

export interface NoticeButton {
  readonly text: string;
  readonly press: NoticePress;
}

interface Row {
  id: number;
  user_id: number;
  chat_id: number | null;
  message_id: number | null;
  text: string;
  buttons: string | null;
  created_at: number;
}

const fromRow = (row: Row): NoticeRecord => ({
  id: row.id,
  userId: row.user_id,
  chatId: row.chat_id ?? undefined,
  messageId: row.message_id ?? undefined,
  text: row.text,
  buttons: row.buttons ? (JSON.parse(row.buttons) as NoticeButton[]) : [],
  createdAtMs: row.created_at,
});

/**
 * An outbox of things people must be told that no request in flight will tell them, such as a
 * repair after a crash. Any process may add one (the CLI's doctor too); the daemon delivers
 * them and deletes each once delivered, so a restart in between loses none. A notice is claimed
 * before it is delivered, so that two processes (the daemon, a `voxnix chat` console) never
 * both deliver it; a claim older than CLAIM_STALE_MS is a deliverer that died, and lapses.
 */
/** How long a claim holds: longer than any delivery takes (a Bot API call times out sooner). */
export const CLAIM_STALE_MS = 10 * 60_000;

export function noticesRepository(db: Db, now: () => number) {
  const insert = db.prepare<[number, number | null, number | null, string, string | null, number]>(
    `INSERT INTO notices (user_id, chat_id, message_id, text, buttons, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const all = db.prepare<[], Row>(`SELECT * FROM notices ORDER BY id`);
  const remove = db.prepare<[number]>(`DELETE FROM notices WHERE id = ?`);
  const claim = db.prepare<[{ id: number; at: number; staleBefore: number }]>(
    `UPDATE notices SET claimed_at = @at
     WHERE id = @id AND (claimed_at IS NULL OR claimed_at < @staleBefore)`,
  );
  const release = db.prepare<[number]>(`UPDATE notices SET claimed_at = NULL WHERE id = ?`);

  return {
    add(input: {
      userId: number;
      chatId?: number;
      messageId?: number;
      text: string;
      buttons?: readonly NoticeButton[];
    }): void {
      insert.run(
        input.userId,
        input.chatId ?? null,
        input.messageId ?? null,
        input.text,
        input.buttons?.length ? JSON.stringify(input.buttons) : null,
        now(),
      );
    },
    listAll: (): NoticeRecord[] => all.all().map(fromRow),
    remove: (id: number): boolean => remove.run(id).changes === 1,
    /** Takes `id` for delivery: false when it is gone or another process is delivering it. */
    claim: (id: number): boolean => {
      const at = now();
      return claim.run({ id, at, staleBefore: at - CLAIM_STALE_MS }).changes === 1;
    },
    /** Gives a claimed notice back, undelivered (Telegram could not be reached). */
    release: (id: number): void => void release.run(id),
  };
}

export type NoticesRepository = ReturnType<typeof noticesRepository>;
