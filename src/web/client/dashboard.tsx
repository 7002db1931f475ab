import { useEffect, useState } from "preact/hooks";
import { formatSize } from "../../size.js";
import { call, type Container, type Me, type Snapshot, type UsageReply } from "./api.js";
import { UsageChart } from "./usage-chart.js";

const DAY_MS = 24 * 60 * 60_000;

/** Sizes as the bot and the CLI write them (`512M`, `0B`): one way across every transport. */
const size = (bytes: number | undefined) => (bytes === undefined ? "–" : formatSize(bytes));

/** The user's containers with one-tap actions, their snapshots on request, and usage charts. */
export function Dashboard(props: { initData: string; openTerminal: (name: string) => void }) {
  const [me, setMe] = useState<Me>();
  const [usage, setUsage] = useState<UsageReply>();
  const [problem, setProblem] = useState<string>();
  const [tick, setTick] = useState(0);
  const reload = () => setTick((n) => n + 1);
  const fail = (error: unknown) =>
    setProblem(error instanceof Error ? error.message : String(error));

  useEffect(() => {
    call<Me>(props.initData, "/api/me").then(setMe, fail);
    call<UsageReply>(props.initData, "/api/usage").then(setUsage, fail);
  }, [tick]);

  if (!me) return <p class="note">{problem ?? "Loading…"}</p>;
  return (
    <>
      {problem && <p class="problem">{problem}</p>}
      <h2>Containers</h2>
      {me.containers.length === 0 && <p class="note">No containers yet: ask the bot for one.</p>}
      <ul class="containers">
        {me.containers.map((c) => (
          <ContainerRow
            key={c.name}
            container={c}
            initData={props.initData}
            openTerminal={props.openTerminal}
            done={reload}
            fail={fail}
          />
        ))}
      </ul>
      <h2>Usage</h2>
      {usage ? (
        <>
          <p class="note">
            Storage {size(usage.usedBytes)}
            {usage.quotaBytes !== null && ` of ${size(usage.quotaBytes)}`}
          </p>
          <UsageChart
            title="CPU, last day"
            samples={usage.samples}
            spanMs={DAY_MS}
            nowMs={Date.now()}
          />
          <UsageChart
            title="CPU, last week"
            samples={usage.samples}
            spanMs={7 * DAY_MS}
            nowMs={Date.now()}
          />
        </>
      ) : (
        <p class="note">Loading usage…</p>
      )}
    </>
  );
}

function ContainerRow(props: {
  container: Container;
  initData: string;
  openTerminal: (name: string) => void;
  done: () => void;
  fail: (error: unknown) => void;
}) {
  const c = props.container;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [snapshots, setSnapshots] = useState<readonly Snapshot[]>();
  const act = (action: "start" | "stop") => {
    setBusy(true);
    setConfirming(false);
    call(props.initData, `/api/containers/${encodeURIComponent(c.name)}/${action}`, "POST")
      .then(props.done, props.fail)
      .finally(() => setBusy(false));
  };
  const showSnapshots = () =>
    call<{ snapshots: Snapshot[] }>(
      props.initData,
      `/api/containers/${encodeURIComponent(c.name)}/snapshots`,
    ).then((reply) => setSnapshots(reply.snapshots), props.fail);
  return (
    <li class="container" data-name={c.name}>
      <div class="title">
        <strong>{c.name}</strong> <span class={`state ${c.state}`}>{c.state}</span>
      </div>
      <div class="detail">
        {c.modules.join(", ") || "no modules"} · {size(c.workspaceBytes)} in /workspace
        {c.address && ` · ${c.address}`}
      </div>
      <div class="actions">
        {c.state === "running" && (
          <button onClick={() => props.openTerminal(c.name)}>Terminal</button>
        )}
        {c.state === "stopped" && (
          <button disabled={busy} onClick={() => act("start")}>
            Start
          </button>
        )}
        {c.state === "running" && !confirming && (
          <button disabled={busy} onClick={() => setConfirming(true)}>
            Stop
          </button>
        )}
        {confirming && (
          <span class="confirm">
            Stop {c.name}? Its shells end.{" "}
            <button class="danger" onClick={() => act("stop")}>
              Stop it
            </button>
            <button onClick={() => setConfirming(false)}>Keep running</button>
          </span>
        )}
        <button onClick={showSnapshots}>Snapshots</button>
      </div>
      {snapshots && (
        <ul class="snapshots">
          {snapshots.length === 0 && <li class="note">No snapshots.</li>}
          {snapshots.map((s) => (
            <li key={s.name}>
              {s.name} · {new Date(s.createdAt).toLocaleString()} · {size(s.usedBytes)}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
