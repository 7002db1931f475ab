// What the page gets from the Telegram client, without Telegram's script: initData arrives in
// the URL's fragment (tgWebAppData), and events go out through the web view's bridge or, on
// Telegram Web, to the parent frame (core.telegram.org/api/bots/webapps). Not loading
// telegram-web-app.js keeps every script this page runs on this origin.

/** The signed initData the page was opened with ("" when opened outside Telegram). */
export function readInitData(): string {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  return fragment.get("tgWebAppData") ?? "";
}

interface TelegramBridge {
  postEvent?: (eventType: string, eventData: string) => void;
}

/** Tells the Telegram client the page is ready (it hides its placeholder) and may fill the screen. */
export function announceReady(): void {
  for (const eventType of ["web_app_ready", "web_app_expand"]) {
    const proxy = (window as unknown as { TelegramWebviewProxy?: TelegramBridge })
      .TelegramWebviewProxy;
    if (proxy?.postEvent) proxy.postEvent(eventType, "{}");
    else if (window.parent !== window)
      window.parent.postMessage(
        JSON.stringify({ eventType, eventData: {} }),
        "https://web.telegram.org",
      );
  }
}
