import { render } from "preact";
import { useState } from "preact/hooks";
import { Dashboard } from "./dashboard.js";
import { announceReady, readInitData } from "./telegram.js";
import { TerminalView } from "./terminal-view.js";
import "./style.css";

type View = { kind: "dashboard" } | { kind: "terminal"; name: string; asAdmin: boolean };

/** `?terminal=NAME` (the /info card's button) opens that container's shell first. */
function firstView(): View {
  const query = new URLSearchParams(window.location.search);
  const name = query.get("terminal");
  return name
    ? { kind: "terminal", name, asAdmin: query.get("admin") === "1" }
    : { kind: "dashboard" };
}

function App(props: { initData: string }) {
  const [view, setView] = useState<View>(firstView);
  if (!props.initData)
    return <p class="problem">Open this page from the voxnix bot in Telegram.</p>;
  return view.kind === "terminal" ? (
    <TerminalView
      initData={props.initData}
      name={view.name}
      asAdmin={view.asAdmin}
      back={() => setView({ kind: "dashboard" })}
    />
  ) : (
    <Dashboard
      initData={props.initData}
      openTerminal={(name) => setView({ kind: "terminal", name, asAdmin: false })}
    />
  );
}

// initData is read once: the fragment may change as the page moves, the identity may not.
const initData = readInitData();
render(<App initData={initData} />, document.getElementById("app") as HTMLElement);
announceReady();
