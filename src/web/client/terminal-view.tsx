import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "preact/hooks";

/** Lines kept above the screen: a bound on the page's memory, whatever the shell prints. */
const SCROLLBACK_LINES = 5000;

/** A shell in `name`, over the server's socket; the first message proves who asks. */
export function TerminalView(props: {
  initData: string;
  name: string;
  asAdmin: boolean;
  back: () => void;
}) {
  const target = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState("Connecting…");
  useEffect(() => {
    const element = target.current;
    if (!element) return;
    const terminal = new Terminal({
      scrollback: SCROLLBACK_LINES,
      cursorBlink: true,
      fontSize: 14,
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(element);
    fit.fit();
    const url = new URL("/api/terminal", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    const send = (message: object) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    };
    socket.onopen = () =>
      socket.send(
        JSON.stringify({
          type: "open",
          initData: props.initData,
          name: props.name,
          asAdmin: props.asAdmin,
          cols: terminal.cols,
          rows: terminal.rows,
        }),
      );
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as {
        type: string;
        data?: string;
        reason?: string;
      };
      if (message.type === "output" && message.data) terminal.write(message.data);
      else if (message.type === "ready") {
        setStatus(`Connected to ${props.name}`);
        terminal.focus();
      } else if (message.type === "closed") setStatus(message.reason ?? "Closed.");
    };
    socket.onclose = () => setStatus((now) => (now.startsWith("Connected") ? "Closed." : now));
    const input = terminal.onData((data) => send({ type: "input", data }));
    const resized = terminal.onResize(({ cols, rows }) => send({ type: "resize", cols, rows }));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(element);
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      socket.close();
      terminal.dispose();
    };
  }, [props.name]);
  return (
    <section class="terminal-view">
      <div class="bar">
        <button onClick={props.back}>← Containers</button>
        <span class="status">{status}</span>
      </div>
      <div class="terminal" ref={target} />
    </section>
  );
}
