import type { ServerResponse } from "node:http";

/**
 * Telegram's web clients, which show a Mini App in an iframe (web.telegram.org/k and /a); the
 * phone and desktop apps use a web view, which frame-ancestors does not concern.
 */
const TELEGRAM_WEB = "https://web.telegram.org";

/**
 * Headers on every response. Scripts only from this origin, none inline, so an injected string
 * cannot run. Styles may be inline: xterm.js writes its theme into a <style> element it makes,
 * which a nonce cannot cover; a style cannot run code. Framing only by Telegram Web (so no
 * X-Frame-Options: DENY and SAMEORIGIN would both break it; CSP's frame-ancestors replaces it).
 * The socket is same-origin ('self' covers ws: and wss: since CSP 3).
 */
export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader(
    "Content-Security-Policy",
    [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      `frame-ancestors 'self' ${TELEGRAM_WEB}`,
    ].join("; "),
  );
  response.setHeader("X-Content-Type-Options", "nosniff");
  response.setHeader("Referrer-Policy", "no-referrer");
  response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  response.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}
