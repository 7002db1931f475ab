import type { Db } from "./database.js";

/** Who muted notifications, and which once-only notifications were already said. */
export function notificationsRepository(db: Db, now: () => number) {
  const prefs = db.prepare<[number], { muted: number }>(
    `SELECT muted FROM notification_prefs WHERE user_id = ?`,
  );
  const setPref = db.prepare<[number, number, number]>(
    `INSERT INTO notification_prefs (user_id, muted, changed_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET muted = excluded.muted, changed_at = excluded.changed_at`,
  );
  const claim = db.prepare<[number, string, string, number]>(
    `INSERT INTO notified (user_id, kind, key, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const forget = db.prepare<[number, string, string]>(
    `DELETE FROM notified WHERE user_id = ? AND kind = ? AND key = ?`,
  );
  return {
    isMuted: (userId: number): boolean => prefs.get(userId)?.muted === 1,
    setMuted: (userId: number, muted: boolean): void =>
      void setPref.run(userId, muted ? 1 : 0, now()),
    /** Records that (kind, key) is said to the user; false when it was said already. */
    claim: (userId: number, kind: string, key: string): boolean =>
      claim.run(userId, kind, key, now()).changes === 1,
    /** The occasion is over (a quota back below its mark): the next one is said again. */
    forget: (userId: number, kind: string, key: string): boolean =>
      forget.run(userId, kind, key).changes === 1,
  };
}
